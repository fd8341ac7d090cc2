"""Service tickets: a customer's problems after the sale."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import tickets  # registers the "tickets" timeline source at start-up
from .auth import current_user, login_required
from .ticket_schemas import (
    CustomerTicketArgs,
    TicketArgs,
    TicketCreate,
    TicketPage,
    TicketSchema,
    TicketUpdate,
)

blp = Blueprint("tickets", __name__, url_prefix="/api",
                description="Service tickets")
WRITERS = ("sales", "manager")  # and admins; analysts and directors read


def page(found) -> dict:
    return {"items": found.items, "total": found.total, "page": found.page,
            "per_page": found.per_page}


@blp.get("/tickets")
@login_required()
@blp.arguments(TicketArgs, location="query")
@blp.response(200, TicketPage)
def search(args):
    """The tickets I see (my customers', and those assigned to me), newest first."""
    return page(tickets.search_tickets(current_user(), **args))


@blp.post("/tickets")
@login_required(*WRITERS)
@blp.arguments(TicketCreate)
@blp.response(201, TicketSchema)
def create(body):
    """Open a ticket about a customer I see; 422 naming a contact or opportunity of another
    customer, or an assignee who is not an active user."""
    return tickets.open_ticket(current_user(), body)


@blp.get("/tickets/<int:ticket_id>")
@login_required()
@blp.response(200, TicketSchema)
def get(ticket_id: int):
    return tickets.get_ticket(ticket_id, current_user())


@blp.patch("/tickets/<int:ticket_id>")
@login_required(*WRITERS)
@blp.arguments(TicketUpdate)
@blp.response(200, TicketSchema)
def update(body, ticket_id: int):
    """Assign, work on, resolve, close or reopen a ticket."""
    return tickets.update_ticket(ticket_id, current_user(), body)


@blp.delete("/tickets/<int:ticket_id>")
@login_required(*WRITERS)
@blp.response(204)
def delete(ticket_id: int):
    """Delete a ticket (its creator, managers, admins)."""
    tickets.delete_ticket(ticket_id, current_user())


@blp.get("/customers/<int:customer_id>/tickets")
@login_required()
@blp.arguments(CustomerTicketArgs, location="query")
@blp.response(200, TicketPage)
def customer_tickets(args, customer_id: int):
    """A customer's tickets, newest first."""
    return page(tickets.customer_tickets(customer_id, current_user(), **args))

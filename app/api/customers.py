"""Customers, their contacts, the interactions with them (and with leads), the timeline."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import customers, timeline
from .auth import current_user, login_required
from .customer_schemas import (
    ContactCreate,
    ContactSchema,
    ContactUpdate,
    CustomerArgs,
    CustomerCreate,
    CustomerDetailSchema,
    CustomerPage,
    CustomerUpdate,
    InteractionArgs,
    InteractionCreate,
    InteractionPage,
    InteractionSchema,
    InteractionUpdate,
    TimelineArgs,
    TimelinePage,
)

blp = Blueprint("customers", __name__, url_prefix="/api",
                description="Customers, contacts, interactions and the 360° timeline")
WRITERS = ("sales", "manager")  # and admins; analysts read


def page(found) -> dict:
    return {"items": found.items, "total": found.total, "page": found.page,
            "per_page": found.per_page}


def detail(account) -> dict:
    return {**{c.name: getattr(account, c.name) for c in account.__table__.columns},
            "contacts": account.contacts, "opportunities": customers.opportunities_of(account)}


@blp.get("/customers")
@login_required()
@blp.arguments(CustomerArgs, location="query")
@blp.response(200, CustomerPage)
def search(args):
    """The customers I see (mine; a manager's teams'; all for admins), newest first."""
    return page(customers.search_accounts(current_user(), **args))


@blp.post("/customers")
@login_required(*WRITERS)
@blp.arguments(CustomerCreate)
@blp.response(201, CustomerDetailSchema)
def create(body):
    """A new customer, owned by me unless a manager or admin names the owner; 409 naming the
    existing customer when one has the same name."""
    return detail(customers.create_account(current_user(), body))


@blp.get("/customers/<int:customer_id>")
@login_required()
@blp.response(200, CustomerDetailSchema)
def get(customer_id: int):
    """A customer with its contacts and opportunities."""
    return detail(customers.get_account(customer_id, current_user()))


@blp.patch("/customers/<int:customer_id>")
@login_required(*WRITERS)
@blp.arguments(CustomerUpdate)
@blp.response(200, CustomerDetailSchema)
def update(body, customer_id: int):
    """Change a customer (owner and team: managers and admins)."""
    return detail(customers.update_account(customer_id, current_user(), body))


@blp.delete("/customers/<int:customer_id>")
@login_required("manager")
@blp.response(204)
def delete(customer_id: int):
    """Delete a customer with its contacts and interactions; 409 while it has opportunities
    or leads."""
    customers.delete_account(customer_id, current_user())


@blp.get("/customers/<int:customer_id>/contacts")
@login_required()
@blp.response(200, ContactSchema(many=True))
def contacts(customer_id: int):
    return customers.contacts_of(customer_id, current_user())


@blp.post("/customers/<int:customer_id>/contacts")
@login_required(*WRITERS)
@blp.arguments(ContactCreate)
@blp.response(201, ContactSchema)
def add_contact(body, customer_id: int):
    """A new contact; 409 naming the contact of this customer with the same phone or email."""
    return customers.create_contact(customer_id, current_user(), body)


@blp.get("/contacts/<int:contact_id>")
@login_required()
@blp.response(200, ContactSchema)
def get_contact(contact_id: int):
    return customers.get_contact(contact_id, current_user())


@blp.patch("/contacts/<int:contact_id>")
@login_required(*WRITERS)
@blp.arguments(ContactUpdate)
@blp.response(200, ContactSchema)
def update_contact(body, contact_id: int):
    return customers.update_contact(contact_id, current_user(), body)


@blp.delete("/contacts/<int:contact_id>")
@login_required(*WRITERS)
@blp.response(204)
def delete_contact(contact_id: int):
    """Delete a contact (its interactions stay); 409 while a lead or opportunity names it."""
    customers.delete_contact(contact_id, current_user())


@blp.get("/customers/<int:customer_id>/interactions")
@login_required()
@blp.arguments(InteractionArgs, location="query")
@blp.response(200, InteractionPage)
def customer_interactions(args, customer_id: int):
    """The customer's interactions and those logged on its leads, newest first."""
    return page(customers.account_interactions(customer_id, current_user(), **args))


@blp.get("/leads/<int:lead_id>/interactions")
@login_required()
@blp.arguments(InteractionArgs, location="query")
@blp.response(200, InteractionPage)
def lead_interactions(args, lead_id: int):
    """The interactions logged on a lead, newest first."""
    return page(customers.lead_interactions(lead_id, current_user(), **args))


@blp.post("/interactions")
@login_required(*WRITERS)
@blp.arguments(InteractionCreate)
@blp.response(201, InteractionSchema)
def log_interaction(body):
    """Log a call, email, meeting or note with a customer or a lead, by me."""
    return customers.log_interaction(current_user(), body)


@blp.get("/interactions/<int:interaction_id>")
@login_required()
@blp.response(200, InteractionSchema)
def get_interaction(interaction_id: int):
    return customers.get_interaction(interaction_id, current_user())


@blp.patch("/interactions/<int:interaction_id>")
@login_required(*WRITERS)
@blp.arguments(InteractionUpdate)
@blp.response(200, InteractionSchema)
def update_interaction(body, interaction_id: int):
    """Change an interaction (its author, their managers, admins)."""
    return customers.update_interaction(interaction_id, current_user(), body)


@blp.delete("/interactions/<int:interaction_id>")
@login_required(*WRITERS)
@blp.response(204)
def delete_interaction(interaction_id: int):
    """Delete an interaction (its author, their managers, admins)."""
    customers.delete_interaction(interaction_id, current_user())


@blp.get("/customers/<int:customer_id>/timeline")
@login_required()
@blp.arguments(TimelineArgs, location="query")
@blp.response(200, TimelinePage)
def customer_timeline(args, customer_id: int):
    """Everything about the customer, newest first: interactions, its leads' history, tasks
    (opened, completed with the form data, cancelled), notices, opportunities..."""
    return page(timeline.timeline(customer_id, current_user(), page=args["page"],
                                  per_page=args["per_page"], kinds=args.get("kind")))

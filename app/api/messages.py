"""Messages from the outside world to waiting process instances."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import messages
from .auth import current_user, login_required
from .schemas import MessageRequest, MessageResult

blp = Blueprint("messages", __name__, url_prefix="/api/messages",
                description="Deliver messages to waiting instances")


@blp.post("")
@login_required()
@blp.arguments(MessageRequest)
@blp.response(200, MessageResult)
@blp.alt_response(201, schema=MessageResult, description="a process started on the message")
def deliver(body):
    """Deliver to the one instance waiting for this message (correlated by business_key or
    variables); if none waits and a process starts on it, start that process (201)."""
    instance, started = messages.deliver(body["name"], correlation=body["correlation"],
                                         payload=body["payload"], user=current_user())
    return {"started": started, "instance": instance}, (201 if started else 200)

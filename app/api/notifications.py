"""My notifications: the in-app inbox and my channel preferences."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import notifications
from .auth import current_user, login_required
from .notification_schemas import (
    MarkedSchema,
    NotificationArgs,
    NotificationPage,
    NotificationSchema,
    PreferencesSchema,
    PreferencesUpdate,
)

blp = Blueprint("notifications", __name__, url_prefix="/api/notifications",
                description="The in-app inbox and notification preferences")


@blp.get("")
@login_required()
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, NotificationPage)
def inbox(args):
    """My notifications, unread first, then newest first."""
    user = current_user()
    page = notifications.inbox(user, **args)
    return {"items": page.items, "total": page.total, "page": page.page,
            "per_page": page.per_page, "unread": notifications.unread_count(user)}


@blp.post("/<int:notification_id>/read")
@login_required()
@blp.response(200, NotificationSchema)
def mark_read(notification_id: int):
    """Mark one of my notifications read (404: no such notification, 403: not mine)."""
    return notifications.mark_read(notification_id, current_user())


@blp.post("/read-all")
@login_required()
@blp.response(200, MarkedSchema)
def mark_all_read():
    """Mark all my notifications read."""
    return {"marked": notifications.mark_all_read(current_user())}


@blp.get("/preferences")
@login_required()
@blp.response(200, PreferencesSchema)
def get_preferences():
    """Which channels reach me: in-app inbox, email, SMS (SMS is off until turned on)."""
    return notifications.preferences(current_user())


@blp.put("/preferences")
@login_required()
@blp.arguments(PreferencesUpdate)
@blp.response(200, PreferencesSchema)
def set_preferences(body):
    """Turn channels on or off; channels not sent keep their setting."""
    return notifications.set_preferences(current_user(), body)

"""Schemas of the notification endpoints (kept beside schemas.py to keep that one short)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from .schemas import PageArgs


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False,
                            metadata={"description": "only the unread ones"})


class NotificationSchema(Schema):
    id = fields.Integer()
    template = fields.String(metadata={"example": "task_assigned"})
    title = fields.String()
    body = fields.String()
    data = fields.Dict()
    instance_id = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Function(lambda row: row.read_at is not None)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    unread = fields.Integer(metadata={"description": "all my unread notifications"})


class MarkedSchema(Schema):
    marked = fields.Integer(metadata={"description": "how many became read"})


class PreferencesSchema(Schema):
    inapp = fields.Boolean()
    email = fields.Boolean()
    sms = fields.Boolean()


class PreferencesUpdate(PreferencesSchema):
    class Meta:
        unknown = RAISE

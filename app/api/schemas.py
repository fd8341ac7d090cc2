"""Request and response schemas of the JSON API (they also generate the OpenAPI document)."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from ..models.instance import STATUSES


def no_nul(value: str) -> None:
    """PostgreSQL cannot store NUL characters (a function, not a Regexp, so that a field's own
    pattern is the one the OpenAPI document shows)."""
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters")


def text(**kwargs) -> fields.String:
    """A string field that refuses NUL characters (PostgreSQL cannot store them)."""
    checks = [no_nul]
    if "validate" in kwargs:
        checks.append(kwargs.pop("validate"))
    return fields.String(validate=checks, **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class ErrorSchema(Schema):
    error = fields.String(metadata={"example": "invalid"})
    message = fields.String()
    fields = fields.Dict()


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item)),
        "total": fields.Integer(),
        "page": fields.Integer(),
        "per_page": fields.Integer(),
    }, name=name)


# -- auth ------------------------------------------------------------------------------------

class TokenRequest(Strict):
    username = text(required=True, validate=validate.Length(min=1, max=80))
    password = text(required=True, validate=validate.Length(min=1, max=200))


class TokenResponse(Schema):
    token = fields.String()
    token_type = fields.String(dump_default="Bearer")
    expires_in = fields.Integer()


class MeSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    language = fields.String()


# -- definitions -----------------------------------------------------------------------------

class DeploymentFiles(Schema):
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}),
                        required=True)


class DeploymentSchema(Schema):
    id = fields.Integer()
    created_at = fields.String()
    source = fields.String()
    processes = fields.List(fields.Dict())
    decisions = fields.List(fields.Dict())
    forms = fields.List(fields.Dict())
    warnings = fields.List(fields.Dict())


class ProcessDefinitionSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    version = fields.Integer()
    name = fields.String()
    deployment_id = fields.Integer()
    bundle_hash = fields.String()
    start_messages = fields.List(fields.String())
    created_at = fields.DateTime()


class XmlArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(validate=validate.Range(min=1))


# -- instances -------------------------------------------------------------------------------

class StartInstance(Strict):
    process_key = text(required=True, validate=validate.Length(min=1, max=200))
    business_key = text(allow_none=True, validate=validate.Length(max=200))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class InstanceArgs(PageArgs):
    process_key = text()
    status = text(validate=validate.OneOf(STATUSES))
    business_key = text()
    started_by = text()
    held_by = text()


class TaskSchema(Schema):
    id = fields.String()
    instance_id = fields.Integer()
    process_key = fields.String()
    element_id = fields.String()
    name = fields.String()
    kind = fields.String()
    lane = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String())
    assignee = fields.String(allow_none=True)
    status = fields.String()
    due_at = fields.DateTime(allow_none=True)
    form_key = fields.String(allow_none=True)
    documentation = fields.String(allow_none=True)
    loop = fields.Dict()
    created_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)
    delegated_by = fields.String(allow_none=True)
    delegated_at = fields.DateTime(allow_none=True)
    delegation_note = fields.String(allow_none=True)


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(allow_none=True)
    variables = fields.Dict()


class CompletedTaskSchema(TaskDetailSchema):
    instance_status = fields.String()
    next_tasks = fields.List(fields.Nested(TaskSchema),
                             metadata={"description": "open tasks of the instance now offered "
                                                      "to you (to chain forms)"})


class InstanceSchema(Schema):
    id = fields.Integer()
    process_key = fields.String()
    version = fields.Integer()
    definition_id = fields.Integer()
    business_key = fields.String(allow_none=True)
    status = fields.String()
    variables = fields.Dict()
    error = fields.Dict(allow_none=True, metadata={"example": {"message": "...",
                                                               "element_id": "Task_1"}})
    started_by = fields.String(allow_none=True)
    started_at = fields.DateTime()
    updated_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)


class InstanceWithTasksSchema(InstanceSchema):
    active_tasks = fields.List(fields.Nested(TaskSchema))


class TimerSchema(Schema):
    element_id = fields.String()
    due_at = fields.DateTime()


class WaitSchema(Schema):
    element_id = fields.String()
    kind = fields.String()
    name = fields.String()


class PathStepSchema(Schema):
    element_id = fields.String()
    name = fields.String(allow_none=True)
    kind = fields.String()
    at = fields.DateTime()


class InstanceDetailSchema(InstanceWithTasksSchema):
    history = fields.List(fields.Nested(TaskSchema))
    timers = fields.List(fields.Nested(TimerSchema))
    waiting_for = fields.List(fields.Nested(WaitSchema))
    path = fields.List(fields.Nested(PathStepSchema))


class FailingScheduleSchema(Schema):
    process_key = fields.String()
    element_id = fields.String()
    attempts = fields.Integer()
    message = fields.String(allow_none=True)
    retry_at = fields.DateTime(allow_none=True)


class IncidentSchema(Schema):
    instance_id = fields.Integer()
    process_key = fields.String()
    version = fields.Integer()
    business_key = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    since = fields.DateTime()


# -- tasks -----------------------------------------------------------------------------------

class TaskArgs(PageArgs):
    assignee = text()
    candidate_group = text()
    process_key = text()
    status = text(load_default="open",
                           validate=validate.OneOf(("open", "completed", "cancelled")))
    instance_id = fields.Integer()


class CompleteTask(Strict):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class DelegateTask(Strict):
    to = text(required=True, validate=validate.Length(min=1, max=80))
    note = text(allow_none=True, validate=validate.Length(max=2000))


# -- messages and decisions ------------------------------------------------------------------

class MessageRequest(Strict):
    name = text(required=True, validate=validate.Length(min=1, max=200))
    correlation = fields.Dict(keys=fields.String(), load_default=dict)
    payload = fields.Dict(keys=fields.String(), load_default=dict)


class InstanceRef(Schema):
    id = fields.Integer()
    process_key = fields.String()
    business_key = fields.String(allow_none=True)
    status = fields.String()


class MessageResult(Schema):
    started = fields.Boolean()
    instance = fields.Nested(InstanceRef)


class EvaluateRequest(Strict):
    inputs = fields.Dict(keys=fields.String(), required=True)


class EvaluateResult(Schema):
    decision_id = fields.String()
    version = fields.Integer()
    hit_policy = fields.String()
    outputs = fields.Dict()
    matched_rules = fields.List(fields.String())


# -- admin and health ------------------------------------------------------------------------

class ClockRequest(Strict):
    advance = text(validate=validate.Length(min=2, max=40),
                            metadata={"example": "PT25H"})
    set = fields.AwareDateTime(metadata={"example": "2026-12-01T09:00:00+08:00"})


class ClockResponse(Schema):
    now = fields.DateTime()
    offset_seconds = fields.Float()


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    scheduler_last_tick = fields.DateTime(allow_none=True)
    now = fields.DateTime()

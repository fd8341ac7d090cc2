"""Domain errors. Services raise these; the API maps each to one HTTP status in one place."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict | None = None, **details):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details


class Invalid(DomainError):
    """The input is well-formed but breaks a rule (a form field, a variable)."""

    status = 422
    code = "invalid"


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class DeploymentRejected(DomainError):
    """Files that would not run; ``details['problems']`` names file, element, line, reason."""

    status = 400
    code = "deployment_invalid"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    """It existed, and no longer can be used (an expired link)."""

    status = 410
    code = "gone"

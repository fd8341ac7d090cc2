"""Contracts: drawn up from the accepted quote, approved by the chain the contract_approvers
table decides, signed; and their approval trail."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_smorest import Blueprint

from ..errors import Invalid
from ..services import contracts, documents
from .auth import current_user, login_required
from .deal_schemas import ApprovalTrailSchema, ContractRequest, ContractSchema

blp = Blueprint("contracts", __name__, url_prefix="/api",
                description="Contracts and their approvals")


@blp.post("/opportunities/<int:opportunity_id>/contracts")
@login_required("sales", "manager")
@blp.arguments(ContractRequest)
@blp.response(201, ContractSchema)
def create(body, opportunity_id: int):
    """Draw up the contract (from ``quote_id``, else the accepted quote, else ``amount``) and
    submit it for approval: the contract_approvers table names the approvers, in order."""
    return contracts.create(opportunity_id, current_user(), body)


@blp.get("/opportunities/<int:opportunity_id>/contracts")
@login_required()
@blp.response(200, ContractSchema(many=True))
def of_opportunity(opportunity_id: int):
    return contracts.of_opportunity(opportunity_id, current_user())


@blp.get("/contracts/<int:contract_id>")
@login_required()
@blp.response(200, ContractSchema)
def get(contract_id: int):
    return contracts.get(contract_id, current_user())


@blp.get("/contracts/<int:contract_id>/approvals")
@login_required()
@blp.response(200, ApprovalTrailSchema)
def approvals(contract_id: int):
    """The audit trail: every step of every round, who decided (role, decision, comment),
    when it was asked and decided, how long it waited, and any delegation."""
    return contracts.approvals(contract_id, current_user())


@blp.post("/contracts/<int:contract_id>/withdraw")
@login_required("sales", "manager")
@blp.response(200, ContractSchema)
def withdraw(contract_id: int):
    """Withdraw a contract in approval or rejected; its approval process ends."""
    return contracts.withdraw(contract_id, current_user())


@blp.post("/contracts/<int:contract_id>/signed-scan")
@login_required("sales", "manager")
@blp.response(200, ContractSchema)
def signed_scan(contract_id: int):
    """Upload the customer's signed copy (multipart: ``file``, a PDF, PNG or JPEG; optional
    ``signed_on`` date and ``note``): it completes the owner's "Customer signed" task, which
    wins the deal. 409 while the contract does not wait for its signature."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("send the signed scan as the multipart field 'file'",
                      fields={"file": ["required"]})
    signed_on = request.form.get("signed_on") or None
    try:
        day = date.fromisoformat(signed_on) if signed_on else None
    except ValueError:
        raise Invalid("signed_on is a date (2026-11-30)",
                      fields={"signed_on": ["not a date"]}) from None
    return documents.attach_signed_scan(contract_id, current_user(), upload.read(),
                                        upload.filename or "", day, request.form.get("note"))

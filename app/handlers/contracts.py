"""Service tasks of bpmn/contract_approval.bpmn; each reads ``contract_id`` from the data."""

from __future__ import annotations

from ..services import contracts
from ..services.tasks import COMPLETED_BY
from . import HandlerContext, form_check, handler


def _contract(ctx: HandlerContext):
    contract_id = ctx.data.get("contract_id")
    if not isinstance(contract_id, int):
        raise ValueError("the process data has no contract_id")
    return contracts.locked(contract_id)


@handler("contracts.begin_round")
def begin_round(ctx: HandlerContext) -> dict:
    """Before the approvers table: the amount and the special discount it decides on."""
    contract = _contract(ctx)
    contracts.begin_round(contract, new_amount=ctx.data.get("new_amount"),
                          new_terms=ctx.data.get("new_terms"))
    return {"amount": contract.amount, "special_discount": contract.special_discount,
            "approval_round": contract.round, "approval_step": 0, "approvers": None,
            "new_amount": None, "new_terms": None, "decision": None, "comment": None}


@handler("contracts.next_approver")
def next_approver(ctx: HandlerContext) -> dict:
    """The next role of the table's list, or ``done`` when every one approved."""
    contract = _contract(ctx)
    step = ctx.data.get("approval_step") or 0
    approvers = (contracts.set_approvers(contract, ctx.data.get("approvers")) if step == 0
                 else contract.approvers)
    if step >= len(approvers):
        return {"approver_role": "done"}
    return {"approver_role": approvers[step], "approval_step": step + 1, "decision": None,
            "comment": None}


@handler("contracts.reject")
def reject(ctx: HandlerContext) -> dict:
    contract = _contract(ctx)
    contracts.reject(contract, ctx.data.get("comment"))
    return {"rejection_reason": contract.rejection_reason, "action": None}


@handler("contracts.withdraw")
def withdraw(ctx: HandlerContext) -> dict:
    contract = _contract(ctx)
    contract.status = "withdrawn"
    return {"contract_status": contract.status}


@handler("contracts.approve")
def approve(ctx: HandlerContext) -> dict:
    contract = _contract(ctx)
    contracts.approve(contract)
    return {"contract_status": contract.status}


@handler("contracts.mark_signed")
def mark_signed(ctx: HandlerContext) -> dict:
    """Signed through the task (its date) or the message ``contract_signed``: the deal is won
    and its after-sales process starts."""
    contract = _contract(ctx)
    contracts.mark_signed(contract, by=ctx.data.get(COMPLETED_BY) or ctx.data.get("owner"),
                          signed_on=ctx.data.get("signed_on"))
    from ..services import after_sales

    after_sales.start_for(contract)
    return {"contract_status": contract.status}


def _approval_check(values: dict) -> dict[str, list[str]]:
    """A rejection goes back to the owner: it must say why."""
    if values.get("decision") == "reject" and not (values.get("comment") or "").strip():
        return {"comment": ["say why: the owner revises from your comment"]}
    return {}


form_check("contract_approval")(_approval_check)
form_check("discount_approval")(_approval_check)


@form_check("contract_revision")
def check_revision(values: dict) -> dict[str, list[str]]:
    if values.get("action") == "resubmit" and not any(
            values.get(k) not in (None, "") for k in ("new_amount", "new_terms",
                                                      "revision_note")):
        return {"revision_note": ["say what changed (or give a new amount or new terms)"]}
    return {}

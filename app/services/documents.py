"""Documents of quotes and contracts: who may read them, and the customer's signed scan."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .. import db
from ..errors import Conflict, Invalid, NotFound
from ..models.customer import Account
from ..models.deal import Contract
from ..models.document import Document
from ..models.task import HumanTask
from ..models.user import User
from . import clock, contracts, document_store, quotes, tasks, timeline

RECORD_READERS = {"contract": contracts.get, "quote": quotes.get}


def get(document_id: int, user: User) -> Document:
    """The document, for those who may see its quote or contract (404 for others)."""
    document = db.session().get(Document, document_id)
    if document is None:
        raise NotFound(f"document {document_id} does not exist")
    try:
        RECORD_READERS[document.record_type](document.record_id, user)
    except NotFound:
        raise NotFound(f"document {document_id} does not exist") from None
    return document


def attach_signed_scan(contract_id: int, user: User, content: bytes, filename: str,
                       signed_on: date | None, note: str | None) -> Contract:
    """The customer's signed copy: stored, and the owner's "Customer signed" task completed
    with it, which wins the deal (the same as the task's form or the contract_signed
    message)."""
    contract = contracts.get(contract_id, user)
    if not content:
        raise Invalid("the file is empty", fields={"file": ["empty"]})
    fmt, _mime = document_store.sniff(content)
    task = db.session().scalar(select(HumanTask).where(
        HumanTask.instance_id == contract.instance_id, HumanTask.element_id == "customer_signed",
        HumanTask.status == "open"))
    if task is None:
        raise Conflict(f"contract {contract.number} is {contract.status}: it does not wait for "
                       "the customer's signature")
    if signed_on is not None and signed_on > clock.now().date():
        raise Invalid("the contract cannot be signed in the future",
                      fields={"signed_on": ["in the future"]})
    document = Document(kind="signed_contract", record_type="contract", record_id=contract.id,
                        opportunity_id=contract.opportunity_id, account_id=contract.account_id,
                        instance_id=contract.instance_id,
                        title=f"{contract.number} signed", created_by=user.username,
                        created_at=clock.now())
    db.session().add(document)
    document_store.add_file(document, fmt, content, filename or f"{contract.number}.{fmt}")
    contract.signed_document_id = document.id
    tasks.complete(task.id, user, {"signed_on": (signed_on or clock.now().date()).isoformat(),
                                   **({"signed_note": note} if note else {})})
    return contracts.get(contract_id, user)


@timeline.source("documents")
def document_items(account: Account, _lead_ids, _instance_ids) -> list[timeline.TimelineItem]:
    rows = db.session().scalars(select(Document).where(Document.account_id == account.id)
                                .order_by(Document.id))
    return [timeline.TimelineItem(
        f"document.{row.kind}", row.created_at, row.created_by, row.title,
        {"document_id": row.id, "record_type": row.record_type, "record_id": row.record_id},
        {"type": "document", "id": row.id}) for row in rows]

"""Documents of quotes and contracts: rendering them from the templates, their PDFs, who may
read them, and the customer's signed scan.

A service task renders the .docx in its unit of work and marks the document's PDF
``pending``. The PDF is made later by the scheduler (``convert_pending``): claimed in one short
transaction, converted by LibreOffice with no transaction open, stored in another. A failed
conversion is retried (``CRM_PDF_MAX_ATTEMPTS``), then left ``failed`` with the reason and
retried on request; the .docx and the process step never depend on it.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from .. import db
from ..documents import pdf, render
from ..errors import Conflict, Invalid, NotFound
from ..models.customer import Account, Opportunity
from ..models.deal import Contract, Quote
from ..models.document import Document
from ..models.task import HumanTask
from ..models.user import User
from . import (
    clock,
    contracts,
    doc_templates,
    document_data,
    document_store,
    quotes,
    tasks,
    timeline,
)

log = logging.getLogger(__name__)

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


def of_record(record_type: str, record_id: int, user: User) -> list[Document]:
    """The documents of a quote or contract the user sees, oldest first."""
    if record_type not in RECORD_READERS:
        raise Invalid(f"record_type is one of {', '.join(RECORD_READERS)}",
                      fields={"record_type": ["quote or contract"]})
    RECORD_READERS[record_type](record_id, user)
    return list(db.session().scalars(select(Document).where(
        Document.record_type == record_type, Document.record_id == record_id)
        .order_by(Document.id)))


# -- rendering (the service tasks) -----------------------------------------------------------

def render_quote(quote: Quote, *, template_key: str = "quote", language: str | None = None,
                 instance_id: int | None = None, by: str | None = None) -> Document:
    language = _language(language)
    data = document_data.for_quote(quote, language)
    return _render("quote", "quote", quote.id, quote.opportunity_id, template_key, language,
                   data, f"{data['quote']['number']}", instance_id, by)


def render_contract(contract: Contract, *, template_key: str = "contract",
                    language: str | None = None, instance_id: int | None = None,
                    by: str | None = None) -> Document:
    language = _language(language)
    data = document_data.for_contract(contract, language)
    return _render("contract", "contract", contract.id, contract.opportunity_id, template_key,
                   language, data, contract.number, instance_id, by)


def _language(language: str | None) -> str:
    chosen = language or current_app.config["DOCUMENT_LANGUAGE"]
    if chosen not in ("zh-CN", "en"):
        raise ValueError(f"document language {chosen!r} is not zh-CN or en")
    return chosen


def _render(kind: str, record_type: str, record_id: int, opportunity_id: int,
            template_key: str, language: str, data: dict, title: str,
            instance_id: int | None, by: str | None) -> Document:
    template = doc_templates.latest(template_key)
    if template.kind != kind:
        raise ValueError(f"template {template_key!r} is a {template.kind} template, not a "
                         f"{kind} template")
    try:
        content = render.render_docx(doc_templates.content_of(template), data)
    except render.TemplateProblem as problem:
        raise ValueError(f"template {template.key} v{template.version}: {problem}") from None
    session = db.session()
    opportunity = session.get(Opportunity, opportunity_id)
    document = Document(
        kind=kind, record_type=record_type, record_id=record_id,
        opportunity_id=opportunity_id, account_id=opportunity.account_id if opportunity else None,
        instance_id=instance_id, title=title, language=language, template_key=template.key,
        template_version=template.version, template_id=template.id,
        pdf_status=_pdf_wanted(), pdf_attempts=0, pdf_next_attempt_at=clock.now(),
        created_by=by, created_at=clock.now())
    session.add(document)
    document_store.add_file(document, "docx", content, f"{title}.docx")
    return document


def _pdf_wanted() -> str:
    if not current_app.config["PDF_ENABLED"]:
        return "none"
    return "pending" if pdf.available() else "unavailable"


# -- the PDF, after the commit ---------------------------------------------------------------

def claim_pdf(worker: str) -> int | None:
    """Claim the oldest document whose PDF is due (a lease as long as the time limit)."""
    now = clock.now()
    lease = now + timedelta(seconds=current_app.config["PDF_TIMEOUT_SECONDS"] + 60)
    due = (Document.pdf_status == "pending",
           or_(Document.pdf_next_attempt_at.is_(None), Document.pdf_next_attempt_at <= now),
           or_(Document.pdf_claimed_until.is_(None), Document.pdf_claimed_until < now))
    session = db.session()
    candidate = session.scalar(select(Document.id).where(*due).order_by(Document.id).limit(1)
                               .with_for_update(skip_locked=True))
    if candidate is None:
        return None
    claimed = session.scalar(update(Document).where(Document.id == candidate, *due)
                             .values(pdf_claimed_by=worker, pdf_claimed_until=lease)
                             .returning(Document.id))
    return claimed


def docx_of(document_id: int) -> bytes:
    document = db.session().get(Document, document_id)
    return document_store.read(document_store.file_of(document, "docx"))


def store_pdf(document_id: int, worker: str, content: bytes) -> bool:
    document = db.locked(Document, document_id, "document")
    if document.pdf_claimed_by != worker or document.pdf_status != "pending":
        return False  # our lease ran out and someone else took it
    document_store.add_file(document, "pdf", content,
                            document.files[0].filename.removesuffix(".docx") + ".pdf")
    document.pdf_status, document.pdf_error = "ready", None
    document.pdf_claimed_by = document.pdf_claimed_until = None
    return True


def record_pdf_failure(document_id: int, worker: str, error: str) -> None:
    document = db.locked(Document, document_id, "document")
    if document.pdf_claimed_by != worker:
        return
    document.pdf_attempts += 1
    document.pdf_error = error[:2000]
    document.pdf_claimed_by = document.pdf_claimed_until = None
    if document.pdf_attempts >= current_app.config["PDF_MAX_ATTEMPTS"]:
        document.pdf_status = "failed"
    else:
        document.pdf_next_attempt_at = clock.now() + timedelta(
            seconds=30 * 2 ** (document.pdf_attempts - 1))


def convert_pending(app, worker: str, limit: int = 5) -> int:
    """Make the PDFs that are due, one at a time, each outside any transaction."""
    database = app.extensions["crm_db"]
    made = 0
    for _ in range(limit):
        with database.unit_of_work():
            document_id = claim_pdf(worker)
            content = docx_of(document_id) if document_id is not None else None
        if document_id is None:
            break
        try:
            result = pdf.to_pdf(content, timeout=app.config["PDF_TIMEOUT_SECONDS"])
        except pdf.ConversionFailed as failure:
            log.warning("PDF of document %s failed: %s", document_id, failure)
            with database.unit_of_work():
                record_pdf_failure(document_id, worker, str(failure))
            continue
        with database.unit_of_work():
            made += store_pdf(document_id, worker, result)
    return made


def retry_pdf(document_id: int, user: User) -> Document:
    """Try the PDF again (after a failure, or once LibreOffice is installed)."""
    document = get(document_id, user)
    if document.kind == "signed_contract":
        raise Conflict("a signed scan is kept as it was uploaded")
    document = db.locked(Document, document_id, "document")
    if document.pdf_status in ("pending", "ready"):
        raise Conflict(f"the PDF of document {document_id} is {document.pdf_status} already")
    if not pdf.available():
        raise Conflict("LibreOffice (soffice) is not installed on this server: no PDF can be "
                       "made")
    document.pdf_status, document.pdf_attempts = "pending", 0
    document.pdf_error, document.pdf_next_attempt_at = None, clock.now()
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

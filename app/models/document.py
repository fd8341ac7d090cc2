"""Documents: a quote or contract rendered from a template, or a signed scan, with its files
(.docx, .pdf, an image), stored by content hash outside the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import Base


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (  # a record's documents; the reports' quote sent and turnaround
        Index("ix_documents_record", "record_type", "record_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # quote | contract | signed_contract
    record_type: Mapped[str] = mapped_column(String(20))  # quote | contract
    record_id: Mapped[int]
    opportunity_id: Mapped[int | None] = mapped_column(index=True)
    account_id: Mapped[int | None] = mapped_column(index=True)
    instance_id: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(10))
    template_key: Mapped[str | None] = mapped_column(String(80))
    template_version: Mapped[int | None]
    template_id: Mapped[int | None] = mapped_column(ForeignKey("document_templates.id"))
    # the PDF, made after the commit by the scheduler (services/documents.py):
    # none (not wanted) | pending | ready | failed | unavailable (no LibreOffice)
    pdf_status: Mapped[str] = mapped_column(String(12), default="none", server_default="none",
                                            index=True)
    pdf_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    pdf_error: Mapped[str | None] = mapped_column(Text)
    pdf_next_attempt_at: Mapped[datetime | None]
    pdf_claimed_by: Mapped[str | None] = mapped_column(String(100))
    pdf_claimed_until: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]

    files: Mapped[list[DocumentFile]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentFile.id")


class DocumentFile(Base):
    """One format of a document; the bytes live in the store under their SHA-256."""

    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("document_id", "format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(10))  # docx | pdf | png | jpeg
    mime_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]

    document: Mapped[Document] = relationship(back_populates="files")


class DocumentTemplate(Base):
    """One version of a .docx template; its bytes live in the document store."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # quote | contract: its data model
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    placeholders: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]

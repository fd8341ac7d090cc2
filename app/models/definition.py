"""Deployed files and the versions of processes, decisions and forms built from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, deferred, mapped_column, relationship

from . import Base


class StoredFile(Base):
    """A deployed file, stored once by the SHA-256 of its content."""

    __tablename__ = "stored_files"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # bpmn | dmn | form
    size: Mapped[int]
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime]


class Deployment(Base):
    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20), default="api")  # api | startup | cli
    files: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{name, hash, kind}]


class ProcessDefinition(Base):
    """Version N of a process key: its BPMN file plus everything it was parsed with."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    bpmn_hash: Mapped[str] = mapped_column(ForeignKey("stored_files.hash"))
    # The content hash of the whole bundle: identical bundle -> no new version.
    bundle_hash: Mapped[str] = mapped_column(String(64))
    # {"bpmn": [hash...], "dmn": [hash...], "forms": {form_key: hash}}
    bundle: Mapped[dict] = mapped_column(JSON)
    start_messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]

    deployment: Mapped[Deployment] = relationship()
    bpmn_file: Mapped[StoredFile] = relationship()


class _VersionedFile:
    """Version N of a thing defined by one deployed file (a decision table, a form)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int]
    created_at: Mapped[datetime]

    @declared_attr
    def deployment_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("deployments.id"))

    @declared_attr
    def file_hash(cls) -> Mapped[str]:
        return mapped_column(ForeignKey("stored_files.hash"))

    @declared_attr
    def file(cls) -> Mapped[StoredFile]:
        return relationship()


class DecisionDefinition(_VersionedFile, Base):
    __tablename__ = "decision_definitions"
    __table_args__ = (UniqueConstraint("decision_id", "version"),)

    decision_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")


class FormDefinition(_VersionedFile, Base):
    __tablename__ = "form_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    key: Mapped[str] = mapped_column(String(200), index=True)

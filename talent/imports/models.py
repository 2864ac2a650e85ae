"""A previewed import kept server-side until it is committed (issue 17).

The preview reads and validates the file once and keeps the validated, normalised rows here —
compressed JSON in the database, not a file in one host's folder — so any app server can commit
what another one previewed, and the commit never reads the file again. A preview belongs to the
user who made it and to its center (checked by :mod:`talent.imports.services`), lives one hour by
default (``IMPORT_PREVIEW_SECONDS``) and is committed at most once (``committed_at``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base, utcnow


class ImportPreview(Base):
    __tablename__ = "import_previews"
    __table_args__ = (
        Index("ix_import_previews_expires_at", "expires_at"),
    )

    # secrets.token_urlsafe(32): unguessable, so it may sit in a session or an API answer.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_label: Mapped[str] = mapped_column(String(255))
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    waitlist: Mapped[bool] = mapped_column(default=True)
    filename: Mapped[str] = mapped_column(String(100), default="")
    format: Mapped[str | None] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64))            # SHA-256 of the uploaded file, hex
    rows_read: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    # zlib-compressed JSON: the file's problems and warnings, and the valid rows column by column.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    committed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ImportPreview center={self.center_id} rows={self.rows_read}>"

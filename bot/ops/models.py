"""Tables of the service side: values every process shares (the webhook's
secret, when the last update came in) and which processes are alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base, UtcDateTime


class ServiceValue(Base):
    """One shared value by name; a secret is sealed when a key is set."""

    __tablename__ = "service_values"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ServiceProcess(Base):
    """A running `meetbot run` or `meetbot worker`: it writes seen_at every few
    seconds; the senders share Telegram's global rate among the live ones."""

    __tablename__ = "service_processes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # poll | webhook | worker
    host: Mapped[str] = mapped_column(String(100))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)

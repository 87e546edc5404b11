"""`INSERT … ON CONFLICT` for the dialect at hand: SQLite and PostgreSQL
spell it alike, and SQLAlchemy has one construct per dialect."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession, model):
    """An INSERT that takes .on_conflict_do_nothing() / .on_conflict_do_update()."""
    dialect = session.bind.dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(model)

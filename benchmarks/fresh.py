"""A clean database for a benchmark run: a temporary SQLite file, or the
given PostgreSQL database emptied first (so give one the benchmark may wipe)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import normalise_url
from bot.db.migrate import upgrade_async


async def fresh_database(database_url: str | None, folder: str) -> str:
    url = database_url or f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
    if url.startswith("postgresql"):
        engine = create_async_engine(normalise_url(url))
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade_async(url)
    return url

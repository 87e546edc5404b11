"""Shared fixtures: a database on SQLite (always) and PostgreSQL (when
MEETBOT_TEST_POSTGRES_URL is set), the Bot API emulator, and a running bot."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import make_engine, make_sessionmaker, normalise_url
from bot.db.migrate import upgrade_async
from bot.emulator import BotApiEmulator
from tests.auxil.running import running_bot

POSTGRES_URL = os.environ.get("MEETBOT_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


async def _fresh_postgres(url: str) -> None:
    engine = create_async_engine(normalise_url(url))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'meetbot.sqlite3'}"
    else:
        url = POSTGRES_URL
        await _fresh_postgres(url)
    await upgrade_async(url)
    return url


@pytest.fixture
async def sessionmaker(database_url):
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def emulator():
    async with BotApiEmulator() as emu:
        yield emu


@pytest.fixture
async def bot(emulator, database_url):
    async with running_bot(emulator, database_url) as runtime:
        yield runtime

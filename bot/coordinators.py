"""The operator's way in: one-time links that make their opener a coordinator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from telegram import Bot

from bot.config import Settings
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import AuditEntry, Invite
from bot.storage.tokens import new_token, token_hash


async def bot_username(settings: Settings) -> str:
    if settings.token is None:
        raise SystemExit("Give --username, or set MEETBOT_TOKEN so the bot's name can be asked from Telegram.")
    async with Bot(settings.token.get_secret_value(), base_url=settings.api_base_url) as bot:
        return (await bot.get_me()).username


async def create_coordinator_invite(settings: Settings, *, username: str | None, ttl: timedelta, sessionmaker=None) -> str:
    username = username or await bot_username(settings)
    engine = None
    if sessionmaker is None:
        await upgrade_async(settings.database_url)
        engine = make_engine(settings.database_url)
        sessionmaker = make_sessionmaker(engine)
    token = new_token()
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add(Invite(token_hash=token_hash(token), kind="coordinator", created_at=now, expires_at=now + ttl))
        session.add(AuditEntry(action="coordinator_invite", detail={"expires_at": (now + ttl).isoformat()}, at=now))
    if engine is not None:
        await engine.dispose()
    return f"https://t.me/{username}?start={token}"

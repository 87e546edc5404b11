"""Webhook mode: Telegram posts each update to an https address; a reverse
proxy forwards it to this small aiohttp server on a local port.

A request must carry the secret set with setWebhook in the
`X-Telegram-Bot-Api-Secret-Token` header (compared in constant time): one
without it is refused with 401, one with a wrong one with 403, and nothing
is stored. An accepted update is stored in the inbox exactly as the poller
stores it (the poller's own store: sealed, keyed by update_id, a repeat
ignored) and only then answered 200; until then Telegram keeps it and tries
again. The dispatcher handles it as in polling mode."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import datetime, timezone
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.ops.models import ServiceValue
from bot.storage.sealing import Sealer

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_NAME = "webhook_secret"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def valid_secret(value: str) -> bool:
    """What Telegram accepts as secret_token."""
    return bool(_SECRET.fullmatch(value))


def webhook_path(url: str) -> str:
    """The path the reverse proxy forwards to us unchanged."""
    return urlsplit(url).path or "/"


async def shared_secret(sessionmaker: async_sessionmaker, sealer: Sealer, configured: str | None) -> str:
    """MEETBOT_WEBHOOK_SECRET, else the random secret kept in the database
    (made by whichever process starts first: every process must check the
    same one, since each of them calls setWebhook with it)."""
    if configured:
        return configured
    for _ in range(2):
        async with sessionmaker() as session:
            row = await session.get(ServiceValue, SECRET_NAME)
            if row is not None and row.value:
                return sealer.open(row.value)  # as it is when it was stored without a key
        made = secrets.token_urlsafe(48)
        try:
            async with sessionmaker() as session, session.begin():
                session.add(ServiceValue(name=SECRET_NAME, value=sealer.seal(made),
                                         updated_at=datetime.now(timezone.utc)))
            return made
        except IntegrityError:
            continue  # another process made it a moment ago: read theirs
    raise RuntimeError("could not make or read the webhook secret")


class WebhookServer:
    def __init__(self, *, store: Callable[[list], Awaitable[object]], secret: str, path: str, host: str, port: int,
                 on_stored: Callable[[], None], on_contact: Callable[[], Awaitable[None]] | None = None):
        self.store = store
        self.secret = secret.encode()
        self.path = path
        self.host, self.port = host, port
        self.on_stored = on_stored
        self.on_contact = on_contact
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]  # the one given out, when 0 asked for any
        log.info("webhook server listening on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.Response(status=401, text="secret token missing")
        if not hmac.compare_digest(given.encode(), self.secret):
            log.warning("a webhook request with a wrong secret token was refused")
            return web.Response(status=403, text="wrong secret token")
        try:
            raw = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int) or isinstance(raw["update_id"], bool):
            return web.Response(status=400, text="not an update")
        try:
            await self.store([raw])
        except Exception:  # not stored: a 500 makes Telegram send it again
            log.exception("could not store update %s", raw["update_id"])
            return web.Response(status=500, text="not stored")
        self.on_stored()
        if self.on_contact is not None:
            await self.on_contact()
        return web.Response(status=200, text="ok")


async def start_webhook(settings, sessionmaker: async_sessionmaker, bot, sealer: Sealer, *,
                        store, on_stored, on_contact=None) -> WebhookServer:
    """Listen first, then tell Telegram where to post (with the secret and the
    kinds of update the bot handles); every process of a deployment sets the
    same address and secret, so it does not matter which one starts last."""
    from bot.inbox import ALLOWED_UPDATES
    from bot.ops.listen import parse_listen

    secret = await shared_secret(sessionmaker, sealer,
                                 settings.webhook_secret.get_secret_value() if settings.webhook_secret else None)
    host, port = parse_listen(settings.webhook_listen)
    server = WebhookServer(store=store, secret=secret, path=webhook_path(settings.webhook_url), host=host, port=port,
                           on_stored=on_stored, on_contact=on_contact)
    await server.start()
    try:
        await bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    except BaseException:
        await server.stop()
        raise
    return server

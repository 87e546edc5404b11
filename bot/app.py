"""The composition root: builds python-telegram-bot's Application, the engine,
the inbox and the outbox sender, and runs them together."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from bot import handlers
from bot.commands import register_coordinator, register_menus
from bot.config import Settings
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.models import Person
from bot.delivery.render import outbox_rows
from bot.delivery.sender import OutboxSender
from bot.documents.worker import DocumentWorker
from bot.engine import Engine
from bot.i18n import resolve_locale, use_model_translations
from bot.inbox import Dispatcher, Poller
from bot.ops.contact import ContactRecorder, RecordingPoller
from bot.ops.metrics import CountingRateLimits, Metrics, start_metrics
from bot.ops.sharing import DispatchLock, Heartbeat, SharedDispatcher
from bot.ops.webhook import start_webhook
from bot.planner import Alarm, Planner, plan_purge
from bot.scheduler import Scheduler
from bot.storage.sealing import Sealer
from bot.telegram_http import AiohttpRequest
from flows.context import Config
from flows.meeting_models import load_models
from flows.outcome import reply
from flows.text import _

log = logging.getLogger(__name__)


def telegram_requests() -> tuple[AiohttpRequest, AiohttpRequest]:
    """The bot's connections to the Bot API: a pool for its calls, one for getUpdates."""
    return AiohttpRequest(256), AiohttpRequest(1)


def build_application(settings: Settings, requests: tuple[AiohttpRequest, AiohttpRequest] | None = None) -> Application:
    token = settings.token.get_secret_value()
    calls, polling = requests or telegram_requests()
    application = (
        Application.builder()
        .token(token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .updater(None)  # our own poller stores updates before acknowledging them
        .request(calls)
        .get_updates_request(polling)
        .build()
    )
    # Only private chats reach these (bot.inbox ignores every other chat);
    # the filters say it once more. Order matters: an edit first (an edited
    # command is an edit, not a command), commands before text (a command is
    # text too); anything else a person sends (stickers, photos, voice) last.
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, handlers.on_edit))
    application.add_handler(MessageHandler(private & filters.COMMAND & filters.UpdateType.MESSAGE, handlers.on_command))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, handlers.on_text))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT & filters.UpdateType.MESSAGE, handlers.on_other))
    application.add_handler(ChatMemberHandler(handlers.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(handlers.on_error)
    return application


class Runtime:
    """A running bot: everything `meetbot run` and `meetbot demo` start."""

    def __init__(self, settings: Settings, *, clock=None, token_factory=None, mode: str | None = None):
        self.settings = settings
        # How updates come in: "poll" (getUpdates), "webhook" (Telegram posts them to
        # MEETBOT_WEBHOOK_URL), or "worker" (none: it handles what others stored).
        self.mode = mode or ("webhook" if settings.webhook_url else "poll")
        self.db = make_engine(settings.database_url)
        self.sessionmaker = make_sessionmaker(self.db)
        self.requests = telegram_requests()
        self.application = build_application(settings, self.requests)
        self.models = load_models(*([settings.models_dir] if settings.models_dir else []))
        use_model_translations(self.models)
        self._engine_options = {k: v for k, v in (("clock", clock), ("token_factory", token_factory)) if v}
        self._clock = clock
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.engine: Engine | None = None
        self.sender: OutboxSender | None = None
        self.poller: Poller | None = None
        self.dispatcher: Dispatcher | None = None
        self.scheduler: Scheduler | None = None
        self.menus: asyncio.Task | None = None  # setting the command menus, in the background
        self.documents: DocumentWorker | None = None
        self.webhook = None  # bot.ops.webhook.WebhookServer, in webhook mode
        self.heartbeat: Heartbeat | None = None
        self.metrics_server = None  # bot.ops.metrics.MetricsServer, with MEETBOT_METRICS_LISTEN

    async def start(self) -> None:
        try:
            await self.application.initialize()
        except BaseException:
            # python-telegram-bot opens its connections before it asks getMe, and
            # leaves them open when that fails (a refused token, no network).
            for request in self.requests:
                await request.shutdown()
            raise
        me = self.application.bot.bot  # filled in by initialize() via getMe
        config = Config(
            default_timezone=self.settings.default_timezone,
            invite_ttl=timedelta(days=self.settings.invite_ttl_days),
            bot_username=me.username,
            retention_days=self.settings.retention_days,
            feedback_low=self.settings.feedback_low,
            feedback_drop=self.settings.feedback_drop,
        )
        timing = self.settings.timing()
        sealer = Sealer.from_setting(self.settings.encryption_key.get_secret_value() if self.settings.encryption_key else None)
        alarm = Alarm()  # a job planned sooner wakes the scheduler after its commit
        self.engine = Engine(self.sessionmaker, models=self.models, config=config,
                             default_locale=self.settings.default_locale, sealer=sealer,
                             planner=Planner(self.models, timing, alarm), **self._engine_options)
        self.metrics = Metrics()
        limits = CountingRateLimits(self.settings.send_rate_global, self.settings.send_rate_per_chat,
                                    on_429=self.metrics.rate_limited.inc)
        self.sender = OutboxSender(self.sessionmaker, self.application.bot, limits, sealer=sealer)
        self.engine.outbox = self.sender  # replies are handed to it in memory, already claimed
        recorder = ContactRecorder(self.sessionmaker, self.mode)
        self.poller = RecordingPoller(self.sessionmaker, self.application, timeout=self.settings.poll_timeout,
                                      sealer=sealer, recorder=recorder)
        # Several processes may share the database (bot/ops/sharing.py): one dispatches at a
        # time, and the senders split Telegram's global rate between the live processes.
        self.dispatcher = SharedDispatcher(self.sessionmaker, self.application, on_failure=self._apologise,
                                           sealer=sealer, lock=DispatchLock(self.db), metrics=self.metrics)
        self.poller.dispatcher = self.dispatcher  # what it stores is handled without reading it back
        self.metrics.count_sent(self.sender)
        self.heartbeat = Heartbeat(self.sessionmaker, self.mode, limits)
        await self.heartbeat.beat()
        self.scheduler = Scheduler(self.sessionmaker, models=self.models, timing=timing,
                                   default_locale=self.settings.default_locale, interval=self.settings.scheduler_interval, alarm=alarm,
                                   wake_sender=self.sender.wake, sealer=sealer, retention_days=self.settings.retention_days,
                                   **({"clock": self._clock} if self._clock else {}))
        # Retention runs by itself, once a day, in whichever process takes the job.
        await plan_purge(self.sessionmaker, (self._clock or (lambda: datetime.now(timezone.utc)))())
        self.documents = DocumentWorker(self.sessionmaker, models=self.models, sealer=sealer, wake_sender=self.sender.wake)
        data = self.application.bot_data
        data["engine"] = self.engine
        data["wake_sender"] = self.sender.wake
        # Only when a plan's PDF was queued: each look is a query (it looks every half second anyway).
        data["wake_documents"] = self.documents.wake
        data["refresh_commands"] = self._refresh_commands
        self.menus = asyncio.create_task(
            register_menus(self.application.bot, self.sessionmaker, self.settings.default_locale), name="menus")
        # Intake, by mode (bot/ops/webhook.py): polling deletes any webhook, as
        # Telegram refuses getUpdates while one is set; webhook mode sets it.
        if self.mode == "webhook":
            self.webhook = await start_webhook(self.settings, self.sessionmaker, self.application.bot, sealer,
                                               store=self.poller.store, on_stored=self.dispatcher.wake,
                                               on_contact=recorder.record)
        elif self.mode == "poll":
            await self.application.bot.delete_webhook()
        if self.settings.metrics_listen:
            self.metrics_server = await start_metrics(self.settings, self.metrics, self.sessionmaker,
                                                      lambda: all(not t.done() for t in self.tasks))
        self.tasks = [
            *([asyncio.create_task(self._supervised(lambda: self.poller.run(self.stopping, self.dispatcher.wake)),
                                   name="poller")] if self.mode == "poll" else []),
            asyncio.create_task(self._supervised(lambda: self.dispatcher.run(self.stopping)), name="dispatcher"),
            asyncio.create_task(self._supervised(lambda: self.sender.run(self.stopping)), name="sender"),
            asyncio.create_task(self._supervised(lambda: self.scheduler.run(self.stopping)), name="scheduler"),
            asyncio.create_task(self._supervised(lambda: self.documents.run(self.stopping)), name="documents"),
            asyncio.create_task(self._supervised(lambda: self.heartbeat.run(self.stopping)), name="heartbeat"),
        ]

    async def _supervised(self, loop_factory) -> None:
        """Keep a worker loop alive: an unexpected error is logged and the loop
        restarted, since all its state is in the database."""
        while not self.stopping.is_set():
            try:
                await loop_factory()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("a worker stopped unexpectedly; restarting it")
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        self.stopping.set()
        self.dispatcher.wake()
        self.sender.wake()
        self.scheduler.wake()
        self.documents.wake()
        for task in self.tasks:
            if task.get_name() == "poller":
                task.cancel()  # it may sit in a long poll; its offset is already stored
        if self.metrics_server is not None:
            await self.metrics_server.stop()
        if self.webhook is not None:
            await self.webhook.stop()  # Telegram keeps what it could not deliver, and tries again
        if self.menus is not None:
            self.menus.cancel()
        await asyncio.gather(*self.tasks, *([self.menus] if self.menus else []), return_exceptions=True)
        await self.application.shutdown()
        await self.db.dispose()

    async def _refresh_commands(self, chat_id: int) -> None:
        async with self.sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.chat_id == chat_id))
        if person is not None and person.is_coordinator:
            language = resolve_locale(person.language, person.telegram_language, self.settings.default_locale)
            await register_coordinator(self.application.bot, chat_id, language)

    async def _apologise(self, session, chat_id: int) -> None:
        person = await session.scalar(select(Person).where(Person.chat_id == chat_id))
        language = resolve_locale(person.language if person else None, person.telegram_language if person else None,
                                  self.settings.default_locale)
        message = reply(_("Sorry, something went wrong on our side and I could not handle your last message. Please try again in a moment."))
        for row in outbox_rows(message, chat_id, language, 0, datetime.now(timezone.utc), sealer=self.engine.sealer):
            session.add(row)
        self.sender.wake()

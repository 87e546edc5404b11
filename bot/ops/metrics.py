"""`/healthz` and Prometheus `/metrics` on a local port (MEETBOT_METRICS_LISTEN).

Counters are this process's (updates it handled, messages it sent, 429s it
met); the queues (outbox backlog, updates waiting, jobs due and their lag)
are the whole deployment's, read from the database at each scrape."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from sqlalchemy import text

from bot.delivery.limits import RateLimits
from bot.ops.status import Report, backlog

log = logging.getLogger(__name__)

OUTBOX_STATES = ("pending", "failed", "undeliverable", "blocked")


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates_handled = Counter("meetbot_updates_handled", "Updates this process dispatched", registry=r)
        self.handling_seconds = Histogram("meetbot_update_handling_seconds", "Time to handle one update", registry=r,
                                          buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.rate_limited = Counter("meetbot_telegram_429", "429 Too Many Requests answers Telegram gave", registry=r)
        self.updates_waiting = Gauge("meetbot_updates_waiting", "Stored updates not yet handled", registry=r)
        self.updates_failed = Gauge("meetbot_updates_failed", "Updates given up or unreadable", registry=r)
        self.outbox = Gauge("meetbot_outbox_messages", "Outbox messages not sent, by status", ["status"], registry=r)
        self.jobs_due = Gauge("meetbot_jobs_due", "Jobs (reminders, timers) due and not yet run", registry=r)
        self.jobs_lag = Gauge("meetbot_jobs_lag_seconds", "How late the oldest due job is", registry=r)
        self._sent = None

    def count_sent(self, sender) -> None:
        """meetbot_messages_sent_total: the sender's own count, read at each scrape."""
        self._sent = sender
        registry = self.registry

        class Sent:
            def collect(self_inner):
                family = CounterMetricFamily("meetbot_messages_sent", "Messages this process sent to Telegram")
                family.add_metric([], sender.sent)
                yield family

        registry.register(Sent())

    async def refresh(self, sessionmaker) -> None:
        report = Report()
        await backlog(sessionmaker, report, datetime.now(timezone.utc))
        self.updates_waiting.set(report.updates_waiting)
        self.updates_failed.set(report.updates_failed)
        for status in OUTBOX_STATES:
            self.outbox.labels(status).set(report.outbox.get(status, 0))
        self.jobs_due.set(report.jobs_due)
        self.jobs_lag.set(report.jobs_lag)

    def handled_together(self, count: int, seconds: float) -> None:
        """A batch of `count` updates handled in one transaction (bot.inbox):
        each counted, with its share of the time."""
        for _ in range(count):
            self.handling_seconds.observe(seconds / count)
        self.updates_handled.inc(count)

    def timed(self):
        metrics = self

        class Timer:
            def __enter__(self_inner):
                self_inner.start = time.perf_counter()

            def __exit__(self_inner, *exc):
                metrics.handling_seconds.observe(time.perf_counter() - self_inner.start)
                metrics.updates_handled.inc()

        return Timer()


class CountingRateLimits(RateLimits):
    """The sender's limits, counting each 429 (each one pauses sending)."""

    def __init__(self, *args, on_429=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_429 = on_429

    def pause(self, seconds: float) -> None:
        if self.on_429 is not None:
            self.on_429()
        super().pause(seconds)


class MetricsServer:
    def __init__(self, metrics: Metrics, sessionmaker, tasks_alive, host: str, port: int):
        self.metrics = metrics
        self.sessionmaker = sessionmaker
        self.tasks_alive = tasks_alive  # () -> bool: every worker loop still running
        self.host, self.port = host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        log.info("health and metrics on http://%s:%s/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            async with self.sessionmaker() as session:
                await asyncio.wait_for(session.execute(text("SELECT 1")), 5.0)
        except Exception:
            return web.Response(status=503, text="database unreachable\n")
        if not self.tasks_alive():
            return web.Response(status=503, text="a worker loop has stopped\n")
        return web.Response(text="ok\n")

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            await self.metrics.refresh(self.sessionmaker)
        except Exception:  # the counters still say something; the queues keep their last values
            log.warning("metrics: could not read the queues", exc_info=True)
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def start_metrics(settings, metrics: Metrics, sessionmaker, tasks_alive) -> MetricsServer:
    from bot.ops.listen import parse_listen

    host, port = parse_listen(settings.metrics_listen)
    server = MetricsServer(metrics, sessionmaker, tasks_alive, host, port)
    await server.start()
    return server

"""Drawing the plan's PDFs: outside the transaction that queued them, and
off the event loop (`render_pdf_async`), so a long plan never holds up other
people's updates.

A queued document is an outbox row with status "render" naming the plan
version and the reader's language. This worker loads the version in a short
read, draws the PDF in a separate process (drawing is pure-Python CPU work:
in a thread it would compete with the bot for the interpreter lock and slow
every reply down while a plan goes out to twenty people), and hands the row
to the sender ("pending"). Everything
is in the database: a restart simply draws what is still waiting. Two
processes may draw the same row; only one hands it over."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import null, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import OutboxMessage
from bot.delivery.render import MAX_CAPTION, RENDERING
from bot.delivery.sealed import opened, sealed_payload
from bot.i18n import render
from bot.storage.plan import plan_by_ref
from bot.storage.sealing import Sealer
from flows.text import _

log = logging.getLogger(__name__)
BATCH = 20


class DocumentWorker:
    def __init__(self, sessionmaker: async_sessionmaker, *, models, sealer: Sealer, wake_sender=lambda: None,
                 interval: float = 0.5):
        self.sessionmaker = sessionmaker
        self.models = models
        self.sealer = sealer
        self.wake_sender = wake_sender
        self.interval = interval
        self._wake = asyncio.Event()
        self._pool: ProcessPoolExecutor | None = None

    async def _draw(self, document) -> bytes:
        """The PDF, drawn in the worker's own process (started on first use); in a thread where
        processes cannot be started."""
        from bot.documents import render_pdf, render_pdf_async

        if self._pool is None:
            try:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            except (OSError, NotImplementedError):  # a sandbox without processes
                return await render_pdf_async(document)
        return await asyncio.get_running_loop().run_in_executor(self._pool, render_pdf, document)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            await self._loop(stopping)
        finally:
            self.close()

    async def _loop(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            self._wake.clear()
            try:
                drawn = await self.render_once()
            except Exception:  # the database went away for a moment: try again soon
                log.exception("drawing documents failed")
                drawn = 0
            if not drawn:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
                except TimeoutError:
                    pass

    async def render_once(self) -> int:
        """Draw the documents waiting now; returns how many were handed to the sender."""
        from bot.documents.plan_document import filename, plan_document  # fpdf2 loads only when a plan is drawn

        async with self.sessionmaker() as session:
            rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.status == RENDERING)
                                              .order_by(OutboxMessage.id).limit(BATCH)))
            work, plans = [], {}
            for row in rows:
                payload, _file = opened(row, self.sealer)  # sealed like every outbox row when a key is set
                ref = payload.get("plan", "")
                if ref not in plans:
                    plans[ref] = await plan_by_ref(session, ref, self.models, self.sealer)
                work.append((row.id, payload, plans[ref]))
        handed = 0
        drawn: dict[tuple[str, str], bytes] = {}  # everyone reading one language gets the same file: drawn once
        for row_id, payload, plan in work:
            language = payload.get("language", "en")
            if plan is None:  # the case or the version was erased meanwhile: nothing to send
                values = {"status": "failed", "last_error": "plan erased", "payload": null()}
            else:
                try:
                    key = (plan.ref, language)
                    if key not in drawn:
                        drawn[key] = await self._draw(plan_document(plan, language))
                    blob = drawn[key]
                except Exception as exc:  # never a stuck queue: the text of the plan has gone out already
                    log.exception("drawing plan %s failed", plan.number)
                    values = {"status": "failed", "last_error": f"pdf: {type(exc).__name__}"[:200], "payload": null()}
                else:
                    caption = render(_("📄 The plan for {case}, version {n}", case=plan.case.pseudonym, n=plan.number), language)
                    values = {"status": "pending", "blob": self.sealer.seal_bytes(blob), "payload": sealed_payload({
                        "filename": filename(plan, language), "caption": caption[:MAX_CAPTION], "parse_mode": "HTML",
                        "protect_content": True}, self.sealer)}
            async with self.sessionmaker() as session, session.begin():
                result = await session.execute(update(OutboxMessage).where(
                    OutboxMessage.id == row_id, OutboxMessage.status == RENDERING).values(**values))
            handed += result.rowcount or 0
        if handed:
            self.wake_sender()
        return handed

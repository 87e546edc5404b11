"""Telegram's sending limits, kept on our side so we rarely meet a 429:
about 30 messages a second in all and about one a second per chat (a chat may
take a short burst, as a reply of two or three messages needs).

The global slots go to the most urgent waiter first: a reply to someone's
own action (priority 0) passes the invitations of a broadcast still being
sent (priority 2), so a coordinator who announces a meeting to two hundred
people hears "on its way" at once, not after the two hundred."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import deque
from datetime import timedelta


def retry_seconds(exc) -> float:
    """A RetryAfter's wait in seconds (python-telegram-bot gives int or timedelta)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RateLimits:
    def __init__(self, global_rate: float = 30.0, per_chat_rate: float = 1.0, chat_burst: int = 3, clock=time.monotonic):
        self.global_rate = global_rate
        self.global_interval = 1.0 / global_rate
        self.chat_interval = 1.0 / per_chat_rate
        self.chat_burst = chat_burst
        self.clock = clock
        self._next_global = 0.0
        self._paused_until = 0.0
        self._released: deque[float] = deque()  # when the last second's sends were let through
        self._chat_tokens: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._waiting: list[tuple[int, int, asyncio.Future]] = []  # (priority, arrival, waiter): a heap
        self._arrivals = itertools.count()
        self._gate: asyncio.Task | None = None

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until `retry_after` has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def chat_delay(self, chat_id: int) -> float:
        tokens, at = self._chat_tokens.get(chat_id, (float(self.chat_burst), self.clock()))
        tokens = min(self.chat_burst, tokens + (self.clock() - at) / self.chat_interval)
        return 0.0 if tokens >= 1 else (1 - tokens) * self.chat_interval

    def _take_chat(self, chat_id: int) -> None:
        now = self.clock()
        tokens, at = self._chat_tokens.get(chat_id, (float(self.chat_burst), now))
        tokens = min(self.chat_burst, tokens + (now - at) / self.chat_interval)
        self._chat_tokens[chat_id] = (tokens - 1, now)
        if len(self._chat_tokens) > 10_000:  # forget chats long since refilled
            horizon = now - self.chat_burst * self.chat_interval
            self._chat_tokens = {c: v for c, v in self._chat_tokens.items() if v[1] > horizon}

    async def acquire(self, chat_id: int, priority: int = 1) -> None:
        while (delay := self.chat_delay(chat_id)) > 0:
            await asyncio.sleep(delay)
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        heapq.heappush(self._waiting, (priority, next(self._arrivals), waiter))
        if self._gate is None or self._gate.done() or self._gate.get_loop() is not loop:
            self._gate = loop.create_task(self._open_gate())
        await waiter
        self._take_chat(chat_id)

    async def _open_gate(self) -> None:
        """Lets the waiters through one global interval apart (never during a
        429's pause), the lowest priority number first, then in arrival order.

        The slots are a grid: the next one counts from this slot, not from
        when the event loop got round to it. The loop wakes the gate a little
        late each time, more on a busy machine, and counting from then lost
        that delay on every message (28 a second became 25). A slot late by
        less than an interval is made up by the next; but never more than the
        rate's worth go within one second (Telegram counts per second), so
        making up cannot bunch sends into a 429. After a pause the grid
        starts afresh."""
        while self._waiting:
            slot = max(self._next_global, self._paused_until)
            # Held back by a full second, the grid still keeps its slot.
            wait = max(slot, self._second_free()) - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            _priority, _arrival, waiter = heapq.heappop(self._waiting)
            if waiter.done():  # its sender was cancelled while waiting
                continue
            now = self.clock()
            self._next_global = (slot if now - slot < self.global_interval else now) + self.global_interval
            self._released.append(now)
            waiter.set_result(None)

    def _second_free(self) -> float:
        """When the last second holds fewer sends than the rate allows (the
        rate is asked each time: bot.ops.sharing changes this process's share)."""
        per_second = math.ceil(1 / self.global_interval - 1e-9)
        while len(self._released) > per_second:
            self._released.popleft()
        return self._released[0] + 1.0 if len(self._released) == per_second else 0.0

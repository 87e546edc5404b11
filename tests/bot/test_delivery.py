"""Rendering replies into outbox rows, and the rate limits, without a network."""

import asyncio
from datetime import datetime, timezone

import pytest

from bot.delivery import limits as limits_module
from bot.delivery.limits import RateLimits
from bot.delivery.render import outbox_rows, split_text
from bot.delivery.sender import backoff
from flows.outcome import Button, reply
from flows.text import _

NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def test_long_text_is_split_at_paragraphs_and_nothing_is_lost():
    paragraphs = [f"Paragraph {i} " + "word " * 150 for i in range(12)]
    text = "\n\n".join(paragraphs)
    chunks = split_text(text)
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_unbroken_text_is_cut_hard_rather_than_lost():
    chunks = split_text("x" * 9000)
    assert "".join(chunks) == "x" * 9000 and all(len(c) <= 4096 for c in chunks)


def test_a_cut_inside_bold_text_closes_and_reopens_the_tag_and_never_splits_an_entity():
    text = "<b>" + "a &amp; b " * 900 + "</b>"
    chunks = split_text(text)
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    for chunk in chunks:
        assert chunk.startswith("<b>") and chunk.endswith("</b>")
        assert chunk.count("&") == chunk.count("&amp;")
    assert "".join(c.removeprefix("<b>").removesuffix("</b>") for c in chunks).replace(" ", "") == ("a&amp;b" * 900)


def test_buttons_go_on_the_last_part_and_carry_the_version():
    long = reply(_("{text}", text="y " * 3000), buttons=[[Button("OK", "setup:create")]])
    rows = outbox_rows(long, 5, "en", 42, NOW)
    assert len(rows) == 2 and "reply_markup" not in rows[0].payload
    assert rows[1].payload["reply_markup"] == {"inline_keyboard": [[{"text": "OK", "callback_data": "42|setup:create"}]]}


def test_names_with_html_are_escaped_in_text_but_not_in_buttons():
    r = reply(_("Welcome, {name}!", name="<b>Bo</b> & co"), buttons=[[Button(_("Use “{name}”", name="<Bo>"), "x")]])
    (row,) = outbox_rows(r, 5, "en", 1, NOW)
    assert "&lt;b&gt;Bo&lt;/b&gt; &amp; co" in row.payload["text"]
    assert row.payload["reply_markup"]["inline_keyboard"][0][0]["text"] == "Use “<Bo>”"


def test_qr_replies_become_photos():
    r = reply(_("Link"), qr_url="https://t.me/x?start=abc", stamp_buttons=False, buttons=[[Button("Revoke", "rv:1")]])
    (row,) = outbox_rows(r, 5, "en", 9, NOW)
    assert row.method == "sendPhoto" and row.blob.startswith(b"\x89PNG")
    assert row.payload["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "-|rv:1"


def test_with_a_key_texts_and_files_are_sealed_and_open_as_written():
    from cryptography.fernet import Fernet

    from bot.delivery.sealed import opened
    from bot.storage.sealing import Sealer
    from flows.outcome import CalendarEntry

    sealer = Sealer([Fernet.generate_key().decode()])
    entry = CalendarEntry(uid="m1@meetbot", sequence=0, starts_at=NOW, ends_at=NOW, timezone="Europe/Oslo",
                          title=_("Your tasks"), description=_("Your tasks"), location="Grandma Eva's kitchen")
    r = reply(_("Saved: <b>{who}</b> will see your answer.", who="Grandma Eva"), calendar=entry,
              buttons=[[Button(_("OK"), "setup:create")]])
    plain_rows = outbox_rows(r, 5, "en", 42, NOW)
    sealed_rows = outbox_rows(r, 5, "en", 42, NOW, sealer=sealer)
    for plain, sealed in zip(plain_rows, sealed_rows, strict=True):
        assert set(sealed.payload) == {"sealed"} and "Eva" not in sealed.payload["sealed"]
        assert sealed.blob is None or (sealed.blob.startswith(b"fernet:") and b"Eva" not in sealed.blob)
        assert opened(sealed, sealer) == opened(plain, Sealer()) == (plain.payload, plain.blob)
    assert b"Grandma Eva" in plain_rows[-1].blob  # the calendar file quotes the place


def test_backoff_grows_and_is_capped():
    assert backoff(1) < backoff(4) < 20
    assert backoff(30) <= 300 * 1.25


async def test_rate_limits_space_messages_globally_and_per_chat():
    limits = RateLimits(global_rate=50, per_chat_rate=10, chat_burst=2)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(5):
        await limits.acquire(1)
    # Two at once (the burst), then one every 0.1 s.
    assert loop.time() - start >= 0.29
    start = loop.time()
    await asyncio.gather(*(limits.acquire(100 + i) for i in range(10)))
    assert loop.time() - start >= 9 / 50 - 0.01


async def test_the_global_pace_keeps_to_its_grid_when_the_event_loop_wakes_late(monkeypatch):
    """A busy event loop wakes the gate late; that delay must not add up
    message after message (it turned 28 a second into 25)."""
    now = [0.0]
    limits = RateLimits(global_rate=10, per_chat_rate=1000, clock=lambda: now[0])
    real_sleep = asyncio.sleep

    async def late_sleep(seconds):
        now[0] += seconds + 0.005  # the loop wakes 5 ms late, every time
        await real_sleep(0)

    monkeypatch.setattr(limits_module.asyncio, "sleep", late_sleep)
    released = []

    async def send(chat_id):
        await limits.acquire(chat_id)
        released.append(now[0])

    await asyncio.gather(*(send(100 + i) for i in range(11)))
    monkeypatch.undo()
    # Ten intervals of 0.1 s: late by 5 ms once, not ten times.
    assert released[-1] == pytest.approx(1.005)
    assert all(b - a <= 0.1 + 1e-9 for a, b in zip(released, released[1:]))


async def test_making_up_for_a_late_wake_never_puts_more_than_the_rate_into_one_second(monkeypatch):
    """The grid makes up a late slot with the next one; that must not bunch
    eleven sends into one second at ten a second (Telegram answers 429)."""
    now = [0.0]
    limits = RateLimits(global_rate=10, per_chat_rate=1000, clock=lambda: now[0])
    real_sleep = asyncio.sleep
    wakes = []

    async def once_late_sleep(seconds):
        await real_sleep(0)  # first, so the senders let through before this sleep see its time
        now[0] += seconds + (0.09 if not wakes else 0.0)  # the first wake 90 ms late, the rest on time
        wakes.append(now[0])

    monkeypatch.setattr(limits_module.asyncio, "sleep", once_late_sleep)
    released = []

    async def send(chat_id):
        await limits.acquire(chat_id)
        released.append(now[0])

    await asyncio.gather(*(send(100 + i) for i in range(21)))
    monkeypatch.undo()
    assert max(sum(1 for t in released if start <= t < start + 1.0) for start in released) == 10
    assert released[-1] == pytest.approx(2.0)  # and no time is lost: twenty intervals after the first


async def test_a_429_pauses_everyone():
    limits = RateLimits(global_rate=1000, per_chat_rate=1000)
    limits.pause(0.3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await limits.acquire(7)
    assert loop.time() - start >= 0.29


async def test_a_reply_passes_the_bulk_messages_waiting_for_a_slot():
    limits = RateLimits(global_rate=20, per_chat_rate=1000)
    order = []

    async def send(chat_id, priority):
        await limits.acquire(chat_id, priority)
        order.append(chat_id)

    bulk = [asyncio.create_task(send(100 + i, 2)) for i in range(10)]
    await asyncio.sleep(0.12)  # a few bulk messages are through; the rest wait
    reply = asyncio.create_task(send(1, 0))
    await asyncio.gather(reply, *bulk)
    assert order.index(1) <= 4  # next in line, not eleventh
    assert sorted(order) == [1] + [100 + i for i in range(10)]

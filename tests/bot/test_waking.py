"""After an update's commit the Telegram side wakes only the workers that have
something to look for: each look is a query, under load many times a second."""

from types import SimpleNamespace

from bot.engine import Handled
from bot.handlers import _after


async def woken_by(handled: Handled) -> list[str]:
    woken = []
    context = SimpleNamespace(application=SimpleNamespace(bot_data={
        "wake_sender": lambda: woken.append("sender"),
        "wake_documents": lambda: woken.append("documents"),
        "refresh_commands": None,
    }))
    update = SimpleNamespace(callback_query=None, effective_chat=SimpleNamespace(id=1))
    await _after(update, context, handled)
    return woken


async def test_replies_handed_over_in_memory_wake_nobody():
    assert await woken_by(Handled(None)) == []


async def test_messages_left_in_the_outbox_wake_the_sender_but_not_the_document_worker():
    assert await woken_by(Handled(None, wake=True)) == ["sender"]


async def test_a_queued_document_wakes_the_document_worker():
    assert await woken_by(Handled(None, wake=True, drawing=True)) == ["sender", "documents"]

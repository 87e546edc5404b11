"""Building flow contexts for tests without a database or Telegram."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from flows import router
from flows.context import CaseView, Config, Context, InviteView, MeetingView, PersonView
from flows.events import ButtonPress, Command, TextMessage
from flows.meeting_models import builtin_models
from flows.outcome import Outcome

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
_tokens = itertools.count(1)


def token() -> str:
    return f"tok{next(_tokens):021d}"


def ctx(**overrides) -> Context:
    base = Context(
        now=NOW,
        chat_id=100,
        telegram_name="Anna Berg",
        locale="en",
        models=builtin_models(),
        config=Config(default_timezone="Europe/Stockholm", invite_ttl=timedelta(days=14), bot_username="meet_bot"),
        new_token=token,
    )
    return replace(base, **overrides)


def coordinator(**overrides) -> PersonView:
    return PersonView(**{"id": 1, "name": "Cia", "is_coordinator": True, "language": "en", **overrides})


def case(**overrides) -> CaseView:
    fields = {
        "id": 7, "pseudonym": "Family A", "model_id": "systemic", "timezone": "Europe/Stockholm",
        "status": "open", "coordinator_id": 1,
        "meetings": (MeetingView(1, "meeting", NOW + timedelta(days=10), "Town hall", "planned"),),
    }
    return CaseView(**{**fields, **overrides})


def invite(**overrides) -> InviteView:
    fields = {"id": 3, "status": "ok", "kind": "participant", "case_id": 7, "role": "family",
              "pseudonym": "Family A", "coordinator_id": 1, "coordinator_chat_id": 900,
              "expires_at": NOW + timedelta(days=14)}
    return InviteView(**{**fields, **overrides})


class Chat:
    """Feeds events through the router, carrying the state as the engine would."""

    def __init__(self, context: Context):
        self.ctx = context
        self.last: Outcome | None = None

    def _run(self, event) -> Outcome:
        self.last = router.handle(event, self.ctx)
        self.ctx = replace(self.ctx, state=self.last.state, version=self.ctx.version + 1)
        return self.last

    def command(self, name: str, args: str = "") -> Outcome:
        return self._run(Command(name, args))

    def text(self, text: str) -> Outcome:
        return self._run(TextMessage(text))

    def press(self, action: str) -> Outcome:
        return self._run(ButtonPress(router.stamp(self.ctx.version, action), 55))

    def press_unstamped(self, action: str) -> Outcome:
        """A button that outlives a conversation (on a notice): it carries no version."""
        return self._run(ButtonPress(f"-|{action}", 55))

    def msgids(self) -> list[str]:
        return [part.msgid for r in self.last.replies for part in r.parts]

    def actions(self) -> list[str]:
        return [b.action for r in self.last.replies for row in r.buttons for b in row]

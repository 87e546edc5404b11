"""/forget: erasing everything about a person, after they confirm.

Erasing also takes a person's id out of what others' stored state says of
them: `without_people` knows where flows keep lists of person ids."""

from __future__ import annotations

from collections.abc import Collection

from flows.context import Context
from flows.outcome import IDLE, Button, ErasePerson, Outcome, State, outcome, reply
from flows.text import _

FLOW = "forget"


def start(ctx: Context) -> Outcome:
    if ctx.person is None:
        return outcome(IDLE, reply(_("Nothing is stored about you here.")))
    if any(c.status == "open" for c in ctx.coordinated_cases):
        return outcome(
            IDLE,
            reply(_("You still coordinate open cases. Please close them, or hand them to another coordinator with /handover, "
                    "before your data can be erased.")),
        )
    return outcome(State(FLOW, "confirm"), _question())


def _question():
    return reply(
        _("Do you want me to erase everything about you: your name, your answers and your part in the meetings? This cannot be undone."),
        buttons=[[Button(_("Yes, erase my data"), "forget:yes"), Button(_("No, keep it"), "forget:no")]],
    )


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    if action == ["yes"] and ctx.person is not None:
        return outcome(
            IDLE,
            # In their own language: once erased, their choice of it is gone too.
            reply(_("Everything about you has been erased. Take care. If you want to take part again, open an invite link."),
                  language=ctx.locale),
            changes=[ErasePerson()],
        )
    if action == ["no"]:
        return outcome(IDLE, reply(_("Good, nothing was erased.")))
    return None


def on_text(ctx: Context, text: str) -> Outcome:
    return outcome(ctx.state, reply(_("Please answer with the buttons under the question.")), _question())


def ask_again(ctx: Context) -> Outcome:
    return outcome(ctx.state, _question())


# Where stored JSON lists person ids: a meeting's progress (who was here, who
# read the plan, who takes part next time), and a chat's place in a flow (the
# owners a coordinator is choosing for a task, the people chosen for next time,
# those invited to the next meeting).
PROGRESS_PEOPLE = ("present", "read", "next_people")
CONVERSATION_PEOPLE = ("owners", "chosen", "invited")


def without_people(data: dict | None, person_ids: Collection[int], keys: tuple[str, ...]) -> dict | None:
    """`data` with `person_ids` taken out of the lists under `keys`; None if
    nothing named them (so the row need not be written)."""
    if not data:
        return None
    changed = {}
    for key in keys:
        value = data.get(key)
        if isinstance(value, list) and any(pid in person_ids for pid in value):
            changed[key] = [pid for pid in value if pid not in person_ids]
    return {**data, **changed} if changed else None

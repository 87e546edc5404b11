"""/forget: erasing everything about a person, after they confirm."""

from __future__ import annotations

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
            reply(_("You still coordinate open cases. Please close them or hand them to another coordinator before your data can be erased.")),
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
            reply(_("Everything about you has been erased. Take care. If you want to take part again, open an invite link.")),
            changes=[ErasePerson()],
        )
    if action == ["no"]:
        return outcome(IDLE, reply(_("Good, nothing was erased.")))
    return None


def on_text(ctx: Context, text: str) -> Outcome:
    return outcome(ctx.state, reply(_("Please answer with the buttons under the question.")), _question())


def ask_again(ctx: Context) -> Outcome:
    return outcome(ctx.state, _question())

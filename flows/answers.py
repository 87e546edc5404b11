"""Preparation answers: who may see one, and how one reads back as text."""

from __future__ import annotations

from flows.context import AnswerView
from flows.text import Lines, T, _, ngettext, pgettext

VISIBILITIES = ("meeting", "coordinator", "private")
KINDS_OF_PERSON = ("family", "friend", "school", "professional", "other")
CLOSENESS = (1, 2, 3)
MAX_ANSWER = 16_000  # characters kept for one answer, several messages together
MAX_MAP_PEOPLE = 40
MAX_MAP_NAME = 60

VISIBILITY_NAMES = {
    "meeting": _("everyone at the meeting"),
    "coordinator": _("only the coordinator"),
    "private": _("only you (a note for yourself)"),
}
KIND_NAMES = {
    "family": _("Family"),
    "friend": pgettext("network map", "Friends"),
    "school": _("School or day care"),
    "professional": _("Professionals"),
    "other": _("Others"),
}
CLOSENESS_NAMES = {1: _("very close"), 2: _("close"), 3: _("a bit further away")}
COLUMN_KEYS = ("worries", "working", "next")
COLUMN_TITLES = {
    "worries": _("What are you worried about?"),
    "working": _("What is working well?"),
    "next": _("What needs to happen next?"),
}


def default_visibility(meeting_type, question, role: str) -> str:
    """The model's choice; but a child's answer goes to the coordinator only
    unless the model says otherwise for that very question, so the child's
    words reach the family only when the child chooses so."""
    chosen = meeting_type.visibility_of(question)
    if role == "child" and question.visibility is None and chosen == "meeting":
        return "coordinator"
    return chosen


def coordinator_may_see(answer: AnswerView) -> bool:
    return answer.visibility in ("meeting", "coordinator") and answer.kind != "skipped"


def answer_text(question, answer: AnswerView | None) -> T:
    """An answer as a person reads it back (their own, or in the coordinator's digest)."""
    if answer is None:
        return _("(not answered yet)")
    value = answer.value
    match answer.kind:
        case "skipped":
            return _("(skipped)")
        case "text":
            return _("{text}", text=value["text"])
        case "voice":
            return ngettext("🎤 a voice message, {n} second", "🎤 a voice message, {n} seconds", int(value.get("duration", 0)))
        case "choice":
            choices = question.choices or ()
            index = value["choice"]
            return T(choices[index]) if 0 <= index < len(choices) else _("(not answered yet)")
        case "scale":
            return _("{n} of 10", n=value["scale"])
        case "columns":
            return _(
                "<b>Worries:</b> {worries}\n<b>Working well:</b> {working}\n<b>Needs to happen:</b> {next}",
                **{key: value.get(key) or "–" for key in COLUMN_KEYS},
            )
        case "network_map":
            return network_map_text(value.get("people", []))
        case "progress":  # how a goal is going (flows.goal_progress): a number, a few words, or both
            scale, words = value.get("scale"), value.get("text")
            if scale is not None and words:
                return _("{n} of 10 – {words}", n=scale, words=words)
            if scale is not None:
                return _("{n} of 10", n=scale)
            return _("{text}", text=words or "–")
    return _("(not answered yet)")


def network_map_text(people: list[dict]) -> T:
    if not people:
        return _("(nobody added yet)")
    lines = tuple(
        _("• {name} – {kind}, {closeness}", name=p["name"], kind=KIND_NAMES[p["kind"]], closeness=CLOSENESS_NAMES[p["closeness"]])
        for p in people
    )
    return _("{lines}", lines=Lines(lines))

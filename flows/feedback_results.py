"""What the coordinator sees of the family's feedback (/feedback): a chart of
each item's average across the case's meetings, and the same numbers as
text, meeting by meeting, with each person's answers and own words.

    /feedback ─► [choose case] ─► chart + numbers
"""

from __future__ import annotations

from statistics import mean

from flows.access import may
from flows.common import choose_case
from flows.context import Context, FeedbackGiven
from flows.feedback import ITEMS, items_for
from flows.labels import role_name
from flows.outcome import (
    IDLE,
    Audit,
    FeedbackChart,
    Outcome,
    outcome,
    reply,
)
from flows.text import Lines, Moment, Number, T, _, ngettext

FLOW = "fbres"


def start(ctx: Context) -> Outcome:
    cases = sorted(ctx.coordinated_cases, key=lambda c: (c.status != "open", c.id))
    if not cases:
        return outcome(IDLE, reply(_("You have no cases yet. Create one with /new.")))
    if ctx.feedback_results is not None or len(cases) == 1:
        return show(ctx)
    return choose_case(FLOW, _("Whose feedback do you want to see?"), cases)


def show(ctx: Context) -> Outcome:
    results = ctx.feedback_results
    if results is None or not may(ctx.person, "view_feedback", results.case):
        return outcome(IDLE, reply(_("There is no feedback to show for this case.")))
    given = [(meeting, answers) for meeting, answers in results.meetings if answers]
    goals = goal_replies(results)
    if not given and goals:
        return outcome(IDLE, *goals, changes=[Audit(results.case.id, "viewed_feedback")])
    if not given:
        return outcome(IDLE, reply(_("No feedback yet for <b>{case}</b>. After each meeting I ask the family how it felt "
                                     "and tell you when they answer.", case=results.case.pseudonym)))
    zone = results.case.timezone
    chart = FeedbackChart(
        items=tuple(item.name for item in ITEMS),
        meetings=tuple((Moment(meeting.starts_at, zone, "short_date"), tuple(_average(answers, item.id) for item in ITEMS))
                       for meeting, answers in given),
        low=ctx.config.feedback_low,
    )
    caption = reply(_("📊 <b>How the meetings felt: {case}</b>\nThe average of the family's answers at each meeting, from 0 to 10.",
                      case=results.case.pseudonym), picture=chart)
    numbers = reply(*(_meeting_text(meeting, answers, zone) for meeting, answers in reversed(given)))
    return outcome(IDLE, caption, numbers, *goals, changes=[Audit(results.case.id, "viewed_feedback")])


def goal_replies(results) -> list:
    """The plan's goals on their 0-10 scale ("where are we now") across the case's meetings: a chart and the numbers."""
    zone = results.case.timezone
    scaled = [(when, goals) for when, goals in results.goals if any(now is not None for _key, _text, now in goals)]
    if not scaled:
        return []
    keys = list(dict.fromkeys(key for _when, goals in scaled for key, _text, now in goals if now is not None))
    words = {key: text for _when, goals in scaled for key, text, _now in goals}
    chart = FeedbackChart(
        items=tuple(words[k] if len(words[k]) <= 40 else words[k][:39] + "…" for k in keys),
        meetings=tuple((Moment(when, zone, "short_date"), tuple(next((now for key, _t, now in goals if key == k), None) for k in keys))
                       for when, goals in scaled),
        low=None,
    )
    lines = tuple(_("• {goal}: {scores}", goal=words[k], scores=Lines(tuple(
        str(now) for _when, goals in scaled for key, _t, now in goals if key == k and now is not None), sep=" → "))
        for k in keys)
    return [reply(_("🎯 <b>The goals in the plan: {case}</b>\nWhere we are now, from 0 to 10, at each meeting.",
                    case=results.case.pseudonym), picture=chart),
            reply(_("<b>The goals, meeting by meeting</b>\n{lines}", lines=Lines(lines)))]


def _average(answers: tuple[FeedbackGiven, ...], item_id: str) -> float | None:
    scores = [a.scores[item_id] for a in answers if a.scores.get(item_id) is not None]
    return mean(scores) if scores else None


def _meeting_text(meeting, answers: tuple[FeedbackGiven, ...], zone: str) -> T:
    averages = tuple(_("{item} {score}", item=item.name, score=Number(avg))
                     for item in ITEMS if (avg := _average(answers, item.id)) is not None)
    people = tuple(_person_text(a) for a in answers)
    return _("<b>{date}</b> – {count}\n<i>Average:</i> {averages}\n{people}",
             date=Moment(meeting.starts_at, zone, "date"),
             count=ngettext("{n} answer", "{n} answers", len(answers)),
             averages=Lines(averages, sep=" · ") if averages else _("no numbers given"),
             people=Lines(people))


def _person_text(answer: FeedbackGiven) -> T:
    scores = tuple(_("{item} {score}", item=item.name, score=Number(answer.scores[item.id]))
                   if answer.scores.get(item.id) is not None else _("{item} –", item=item.name)
                   for item in items_for(answer.role))
    line = _("• {name} ({role}): {scores}", name=answer.name, role=role_name(answer.role), scores=Lines(scores, sep=", "))
    if answer.comment:
        return _("{line}\n  “{comment}”", line=line, comment=answer.comment)
    return line


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    if ctx.state.step == "case" and len(action) == 2 and action[0] == "case" and action[1].isdigit():
        results = ctx.feedback_results
        return show(ctx) if results is not None and results.case.id == int(action[1]) else None
    return None


def on_text(ctx: Context, text: str) -> Outcome:
    return outcome(ctx.state, reply(_("Please use the buttons under the message.")))


def ask_again(ctx: Context) -> Outcome:
    return start(ctx)

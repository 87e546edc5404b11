"""Points for the meeting's agenda: proposed in preparation, accepted or left
out by the coordinator, seen by everyone (flows.agenda), without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flows import plan as plan_flow
from flows import preparing
from flows.agenda import MAX_POINT
from flows.context import AgendaDecision, AnswerView, Attendee, MeetingRun, PrepOverview, PrepPerson, SharedAnswer
from flows.outcome import DecideAgendaPoint
from flows.text import T
from tests.auxil.flowctx import NOW, Chat, case, coordinator, ctx
from tests.flows.test_preparing import prep_view
from tests.flows.test_running import RunChat


def texts(replies) -> str:
    """Every msgid and parameter of the replies, flattened: what a reader would see, in English."""
    return repr(replies)


class AgendaChat(Chat):
    """Keeps the coordinator's decisions as the storage side would."""

    def _run(self, event):
        out = super()._run(event)
        view = self.ctx.prep_overview
        for change in out.changes:
            if isinstance(change, DecideAgendaPoint):
                others = tuple(d for d in view.agenda if (d.person_id, d.question_id) != (change.person_id, change.question_id))
                view = replace(view, agenda=(*others, AgendaDecision(change.person_id, change.question_id, change.status, change.text)))
        self.ctx = replace(self.ctx, prep_overview=view)
        return out


def startup_ctx(shared=None, **overrides):
    the_case = case(model_id="startup")
    people = (
        PrepPerson(2, 200, "Anna", "family", "finished", 4, 4),
        PrepPerson(3, 300, "Jonas", "family", "finished", 4, 4),
        PrepPerson(5, 500, "Aino", "professional", "started", 1, 2),
    )
    if shared is None:
        shared = (
            SharedAnswer(2, "Anna", "family", "agenda", AnswerView("text", {"text": "Mornings before school <and> the bus"}, "meeting")),
            SharedAnswer(3, "Jonas", "family", "agenda", AnswerView("text", {"text": "My drinking, which worries Anna"}, "coordinator")),
            SharedAnswer(2, "Anna", "family", "useful", AnswerView("text", {"text": "Not an agenda point"}, "meeting")),
        )
    view = PrepOverview(the_case, the_case.meetings[0], NOW - timedelta(days=1), False, people, shared)
    return ctx(person=coordinator(), coordinated_cases=(the_case,), prep_overview=view, **overrides)


def test_the_family_proposals_are_accepted_reworded_or_left_out_and_sent_to_everyone():
    chat = AgendaChat(startup_ctx())
    chat.command("prep")
    assert "prepov:agenda" in chat.actions()
    assert "🗒 Points for the meeting ({n} new)" in texts(chat.last.replies)
    out = chat.press("prepov:agenda")
    shown = texts(out.replies)
    # Anna's answer to "what do you want to talk about" comes first; her other answer is no proposal.
    assert "Mornings before school <and> the bus" in shown and "Not an agenda point" not in shown
    assert chat.actions()[:3] == ["prepov:pa:2:agenda", "prepov:pe:2:agenda", "prepov:px:2:agenda"]
    out = chat.press("prepov:pa:2:agenda")
    (change,) = out.changes
    assert change == DecideAgendaPoint(1, 2, "agenda", "accepted", "Mornings before school <and> the bus")
    shown = texts(out.replies)
    # Jonas shared his only with the coordinator: she is told an accepted point is seen by everyone.
    assert "My drinking, which worries Anna" in shown and "shared this only with you" in shown
    out = chat.press("prepov:pe:3:agenda")
    assert chat.ctx.state.step == "point"
    out = chat.text("x" * (MAX_POINT + 1))
    assert not out.changes and "at most {max} characters" in texts(out.replies)
    out = chat.text("  How Jonas and Anna share the evenings  ")
    (change,) = out.changes
    assert change.text == "How Jonas and Anna share the evenings" and change.status == "accepted"
    assert "All proposals are gone through." in texts(out.replies)
    assert "prepov:share" in chat.actions()
    out = chat.press("prepov:share")
    to = {r.chat_id for r in out.replies if r.chat_id}
    assert to == {200, 300, 500}
    notice = next(r for r in out.replies if r.chat_id == 500)
    points = notice.parts[-1]
    assert points.msgid == "<b>Points for the meeting</b>\n{points}"
    lines = [item.params["point"] for item in points.params["points"].items]
    assert lines == ["Mornings before school <and> the bus", "How Jonas and Anna share the evenings"]
    # A point taken off again is left out, and the others keep their order.
    assert "prepov:po:2:agenda" in chat.actions()
    out = chat.press("prepov:po:2:agenda")
    assert list(out.changes) == [DecideAgendaPoint(1, 2, "agenda", "left_out")]
    assert "Taken off: {point}" in texts(out.replies) and "prepov:po:2:agenda" not in chat.actions()
    assert chat.press("prepov:po:2:agenda").changes == ()  # pressed again: nothing to take off


def test_leaving_out_and_stale_or_forged_presses_change_nothing():
    chat = AgendaChat(startup_ctx())
    chat.command("prep")
    chat.press("prepov:agenda")
    out = chat.press("prepov:px:2:agenda")
    assert list(out.changes) == [DecideAgendaPoint(1, 2, "agenda", "left_out")]
    assert "{n} proposal left out." in texts(out.replies)
    for forged in ("prepov:pa:2:agenda", "prepov:pa:4:agenda", "prepov:pa:2:useful", "prepov:pa:x:agenda"):
        out = chat.press(forged)
        assert not out.changes, forged
    out = chat.text("free text where a button is expected")
    assert not out.changes and "Please use the buttons under the message." in texts(out.replies)


def test_private_answers_and_other_models_give_no_proposals():
    private = (SharedAnswer(2, "Anna", "family", "agenda", AnswerView("text", {"text": "only mine"}, "private")),)
    chat = AgendaChat(startup_ctx(shared=private))
    chat.command("prep")
    out = chat.press("prepov:agenda")
    assert "only mine" not in texts(out.replies) and "Nobody has proposed a point yet" in texts(out.replies)
    fgc = startup_ctx()
    fgc = replace(fgc, prep_overview=replace(fgc.prep_overview, case=case(model_id="family_group_conference")),
                  coordinated_cases=(case(model_id="family_group_conference"),))
    chat = AgendaChat(fgc)
    chat.command("prep")
    assert "prepov:agenda" not in chat.actions()


def test_no_decisions_once_the_meeting_has_started():
    context = startup_ctx(now=NOW + timedelta(days=11))
    chat = AgendaChat(context)
    chat.command("prep")
    out = chat.press("prepov:agenda")
    assert "can no longer be changed" in texts(out.replies) and "prepov:pa:2:agenda" not in chat.actions()


def test_everyone_preparing_sees_the_accepted_points_with_the_agenda():
    prep = prep_view(model_id="startup", agenda=("Mornings before school",))
    parts = preparing.agenda(ctx(), prep)
    assert parts[-1].msgid == "<b>Points for the meeting</b>\n{points}"


def test_the_points_open_the_meeting_and_stand_in_the_plan():
    the_case = case(model_id="startup")
    people = (Attendee(2, 200, "Anna", "family"), Attendee(5, 500, "Aino", "professional"))
    run = MeetingRun(the_case, the_case.meetings[0], 900, {"present": [2, 5]}, people, agenda=("Mornings before school",))
    chat = RunChat(ctx(person=coordinator(), coordinated_cases=(the_case,), meeting_run=run))
    chat.command("meeting")
    out = chat.press("meeting:start")
    for chat_id in (200, 500):
        assert "Mornings before school" in chat.said_to(chat_id)
    assert "Mornings before school" in repr(out.replies[0])  # the coordinator's control message
    out = chat.press("meeting:next")
    assert "Mornings before school" not in chat.said_to(200)  # only the first step carries them
    snapshot, version = plan_flow.new_version(chat.ctx, chat.ctx.meeting_run)
    assert version.content["agenda"] == ["Mornings before school"]
    parts = plan_flow.plan_parts(snapshot)
    assert any(isinstance(p, T) and p.msgid == "<b>Points for the meeting</b>\n{points}" for p in parts)

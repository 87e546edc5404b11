"""At a follow-up, preparation asks how each goal of the plan is going; the coordinator sees it.
Without a database or Telegram."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.i18n import render
from flows import goal_progress, preparing
from flows.context import AnswerView, Attendee, PersonView, PrepOverview, PrepPerson, SharedAnswer, TaskView
from flows.meeting_models import builtin_models
from flows.meeting_models.schema import MeetingType
from flows.outcome import SaveAnswer, SetPrepProgress, UpdateMeeting
from tests.auxil.flowctx import NOW, case, coordinator, ctx
from tests.flows.test_plan_flows import PEOPLE, _snapshot, sip_meeting_at
from tests.flows.test_preparing import PrepChat, prep_view, saved

GOAL = {"key": "g1", "text": "Calmer <mornings> & {school}", "sub": ["up at seven"], "now": 3, "wanted": 8}
REACHED = {"key": "g2", "text": "Football again", "sub": [], "now": 9, "wanted": 9, "status": "reached"}
MINE = TaskView("t1", 7, "Family A", "Europe/Stockholm", "Book a school meeting", NOW + timedelta(days=9), "open",
                ((2, "Anna", True),))
DONE = TaskView("t2", 7, "Family A", "Europe/Stockholm", "Call the school", None, "done", ((5, "Aino", True),))
DROPPED = TaskView("t3", 7, "Family A", "Europe/Stockholm", "Move house", None, "cancelled", ())


def follow_up(role="family", person_id=2, actions=(MINE, DONE, DROPPED), **prep) -> PrepChat:
    goals = goal_progress.open_goals([GOAL, REACHED])
    view = prep_view(role=role, follow_up=True, previous_goals=goals, previous_actions=actions, **prep)
    return PrepChat(ctx(person=PersonView(person_id, "Anna", False, "en"), preparations=(view,)))


def rendered(out, locale="en") -> str:
    return "\n".join(render(part, locale) for r in out.replies for part in r.parts)


def test_a_follow_up_starts_with_the_goals_and_shows_each_action_with_its_status():
    chat = follow_up()
    out = chat.command("prep")
    text = rendered(out)
    # The actions: who answers for each and by when, done and dropped too.
    assert "• Book a school meeting – Anna, by" in text and "✅ Call the school – Aino" in text and "✖ Move house (dropped)" in text
    # Anna answers for an open one: she can say it is done or still going, with the task's own buttons.
    assert {"task:done:t1", "task:notyet:t1"} <= set(chat.actions())
    assert "task:done:t2" not in chat.actions()
    # The first question is the goal, in the family's words (escaped, never a msgid), with its old scale.
    assert "Calmer &lt;mornings&gt; &amp; {school}" in text and "up at seven" in text and "Now 3 of 10" in text
    assert [f"prep:g:{n}" for n in range(11)] == [a for a in chat.actions() if a.startswith("prep:g:")]
    assert "prep:skip" in chat.actions() and "prep:v" in chat.actions()
    assert "Football again" not in text  # a reached goal is not asked about
    qs = [q.id for q in preparing.questions(chat.ctx, chat.ctx.preparations[0])]
    assert qs[0] == "goal:g1" and "goal:g2" not in qs


def test_the_number_then_a_few_words_are_kept_with_who_may_see_them():
    chat = follow_up()
    chat.command("prep")
    out = chat.press("prep:g:6")
    (change,) = saved(out)
    assert change == SaveAnswer(1, "goal:g1", "progress", {"scale": 6, "text": None}, "meeting")
    assert "prep:next" in chat.actions() and "prep:back" in chat.actions() and "prep:g:6" not in chat.actions()
    long = "Mornings are <b>calmer</b> " * 190  # about 5,000 characters: kept whole
    out = chat.text(long)
    (change,) = saved(out)
    assert change.value == {"scale": 6, "text": long}
    out = chat.text("And he eats breakfast.")
    assert saved(out)[0].value["text"] == long + "\n\nAnd he eats breakfast."
    answer = chat.ctx.preparations[0].answers["goal:g1"]
    assert "6 of 10 – Mornings are &lt;b&gt;calmer" in render(goal_progress.answer_text(None, answer), "en")
    # Only the coordinator: the answer keeps its words and number.
    chat.press("prep:v")
    chat.press("prep:vs:coordinator")
    assert chat.ctx.preparations[0].answers["goal:g1"].visibility == "coordinator"
    out = chat.press("prep:next")
    assert chat.ctx.state.data["i"] == 1 and "prep:g:0" not in chat.actions()  # on to the model's questions


def test_bad_input_at_the_number_stale_buttons_back_skip_and_resume():
    chat = follow_up()
    chat.command("prep")
    for wrong in ("quite well", "11", "-1"):
        out = chat.text(wrong)
        assert not saved(out) and "Please choose a number from 0 to 10, with the buttons or by writing it." in chat.msgids()
    out = chat.text(" 7 ")
    assert saved(out)[0].value == {"scale": 7, "text": None}
    out = chat.press("prep:g:2")  # the number's button, after it was answered: stale
    assert not saved(out) and chat.ctx.preparations[0].answers["goal:g1"].value["scale"] == 7
    out = chat.press("prep:back")  # from the words back to the number
    assert "prep:g:7" in chat.actions() and chat.ctx.state.data.get("w") is None
    chat.press("prep:gw")  # only words, no new number
    out = chat.press("prep:pause")
    assert any(isinstance(c, SetPrepProgress) and c.part == 1 for c in out.changes)
    chat.command("prep")  # resumes at the words
    assert chat.ctx.state.data.get("w") == 1 and "prep:next" in chat.actions()
    chat.press("prep:back")
    out = chat.press("prep:skip")  # answered already: skipping keeps it
    assert not saved(out) and chat.ctx.preparations[0].answers["goal:g1"].value["scale"] == 7


def test_skipping_a_goal_and_words_without_a_number():
    chat = follow_up()
    chat.command("prep")
    out = chat.press("prep:skip")
    assert saved(out)[0].kind == "skipped"
    chat.press("prep:back")
    chat.press("prep:gw")
    out = chat.text("We have not talked about it")
    assert saved(out)[0].value == {"scale": None, "text": "We have not talked about it"}
    chat.press("prep:next")
    while chat.ctx.state.step != "summary":
        chat.press("prep:skip")
    text = rendered(chat.last)
    assert "🎯 How is it going: Calmer &lt;mornings&gt;" in text and "We have not talked about it" in text
    chat.press("prep:edit")
    assert "prep:goto:0" in chat.actions()
    chat.press("prep:goto:0")
    assert "prep:g:5" in chat.actions()


def test_a_child_is_asked_in_a_childs_words_and_only_the_coordinator_sees_it_by_default():
    chat = follow_up(role="child", person_id=3, actions=())
    out = chat.command("prep")
    assert "How is it going with this? Choose a number: 0 😟 means not good at all, 10 😀 means really good." in chat.msgids()
    assert "First, the goals from your plan: how is each one going for you?" in [p.msgid for p in out.replies[0].parts]
    out = chat.press("prep:g:8")
    assert saved(out)[0].visibility == "coordinator"


def test_who_is_asked():
    model = builtin_models().get("systemic").meeting_type("meeting")
    goals = goal_progress.open_goals([GOAL])
    assert goal_progress.questions_for(model, "network", 4, goals, ())
    # A professional is asked when they answer for one of the plan's actions.
    assert not goal_progress.questions_for(model, "professional", 5, goals, (MINE,))
    assert goal_progress.questions_for(model, "professional", 5, goals, (DONE,))
    assert not goal_progress.questions_for(model, "family", 2, (), (MINE,))  # no goals, nothing to ask
    chat = follow_up(role="professional", person_id=9, actions=(MINE,))
    chat.command("prep")
    assert "goal:g1" not in repr(chat.ctx.preparations[0].answers) and "prep:g:0" not in chat.actions()
    # A model can leave a role out.
    fewer = model.model_copy(update={"goal_progress": ("family",)})
    assert not goal_progress.questions_for(fewer, "child", 3, goals, ())


def test_a_model_names_only_invited_roles_for_goal_progress():
    talk = builtin_models().get("danish_series").meeting_type("bornesamtale").model_dump()
    assert MeetingType.model_validate({**talk, "goal_progress": ["child"]}).goal_progress_roles() == ("child",)
    with pytest.raises(ValueError, match="goal_progress: role 'family' is not invited"):
        MeetingType.model_validate({**talk, "goal_progress": ["family"]})


# ---- the coordinator ---------------------------------------------------------


def overview_chat() -> PrepChat:
    the_case = case()
    people = (PrepPerson(2, 200, "Anna", "family", "finished", 5, 6), PrepPerson(3, 300, "Kim", "child", "started", 1, 6))
    shared = (
        SharedAnswer(2, "Anna", "family", "goal:g1", AnswerView("progress", {"scale": 6, "text": "Calmer <now>"}, "meeting")),
        SharedAnswer(3, "Kim", "child", "goal:g1", AnswerView("progress", {"scale": 4, "text": None}, "coordinator")),
        SharedAnswer(4, "Lars", "network", "goal:g1", AnswerView("progress", {"scale": 1, "text": "secret"}, "private")),
    )
    view = PrepOverview(the_case, the_case.meetings[0], NOW - timedelta(days=1), True, people, shared,
                        goal_progress.open_goals([GOAL]))
    return PrepChat(ctx(person=coordinator(), coordinated_cases=(the_case,), prep_overview=view))


def test_the_digest_shows_each_goal_with_what_people_shared():
    chat = overview_chat()
    chat.command("prep")
    for by in ("byq", "byp"):
        text = rendered(chat.press(f"prepov:{by}"))
        assert "🎯 How is it going: Calmer &lt;mornings&gt;" in text
        assert "6 of 10 – Calmer &lt;now&gt;" in text and "4 of 10" in text and "🔒" in text
        assert "secret" not in text and "1 of 10" not in text


def follow_up_meeting(notes: dict) -> object:
    people = tuple(replace(p, notes=tuple(notes.get(p.person_id, ()))) for p in PEOPLE)
    chat = sip_meeting_at("dialogue")
    previous = _snapshot(content={"goals": [{**GOAL, "status": "new"}]})
    run = replace(chat.ctx.meeting_run, previous_plan=previous, people=people,
                  progress={k: v for k, v in chat.ctx.meeting_run.progress.items() if k != "plan"})
    chat.ctx = replace(chat.ctx, meeting_run=run)
    return chat


def test_at_the_goals_step_the_coordinator_sees_how_it_is_going_and_may_take_it_as_now():
    chat = follow_up_meeting({
        2: [("goal:g1", AnswerView("progress", {"scale": 6, "text": "Much calmer"}, "meeting"))],
        3: [("goal:g1", AnswerView("progress", {"scale": 5, "text": "ok"}, "coordinator"))],
        4: [("goal:g1", AnswerView("progress", {"scale": 0, "text": "my own note"}, "private"))],
    })
    text = rendered(chat.press("meeting:plan:goals"))
    assert "📣 How it is going, from preparation: Anna 6, Kim 5 (average 5.5)" in text and "Lars" not in text
    text = rendered(chat.press("plan:goal:0"))
    assert "Much calmer" in text and "ok" in text and "my own note" not in text and "Kim</b> (child or young person) 🔒" in text
    assert "plan:gp:0" in chat.actions()
    out = chat.press("plan:gp:0")
    (change,) = [c for c in out.changes if isinstance(c, UpdateMeeting)]
    goal = change.progress["plan"]["goals"][0]
    assert goal["now"] == 6 and goal["wanted"] == 8 and goal["key"] == "g1"  # 5.5 rounds up; the coordinator chose it
    assert chat.ctx.state.step == "goals"


def test_without_shared_answers_there_is_nothing_to_take():
    chat = follow_up_meeting({4: [("goal:g1", AnswerView("progress", {"scale": 2, "text": None}, "private"))]})
    text = rendered(chat.press("meeting:plan:goals"))
    assert "from preparation" not in text
    chat.press("plan:goal:0")
    assert "plan:gp:0" not in chat.actions()
    out = chat.press("plan:gp:0")
    assert not any(isinstance(c, UpdateMeeting) for c in out.changes)


def test_the_speakers_cue_card_holds_their_own_answers_about_the_goals_private_ones_too():
    from flows import running

    chat = follow_up_meeting({2: [("goal:g1", AnswerView("progress", {"scale": 2, "text": "my own <note>"}, "private"))]})
    run = chat.ctx.meeting_run
    anna = next(p for p in run.people if p.person_id == 2)
    text = "\n".join(render(part, "en") for part in running._cue_card(chat.ctx, run, anna))
    assert "🎯 How is it going: Calmer &lt;mornings&gt;" in text and "2 of 10 – my own &lt;note&gt;" in text
    lars = next(p for p in run.people if p.person_id == 4)
    assert "my own" not in repr(running._cue_card(chat.ctx, run, lars))


def test_start_again_replaces_the_words_and_keeps_the_number():
    chat = follow_up()
    chat.command("prep")
    chat.press("prep:g:4")
    chat.text("First words")
    assert "prep:anew" in chat.actions()
    chat.press("prep:anew")
    assert "prep:keep" in chat.actions()
    out = chat.text("Better words")
    assert saved(out)[0].value == {"scale": 4, "text": "Better words"}
    assert "What you wrote in this part before was replaced." in chat.msgids()
    chat.press("prep:back")
    out = chat.press("prep:g:5")  # a new number keeps the words
    assert saved(out)[0].value == {"scale": 5, "text": "Better words"}

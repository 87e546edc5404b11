"""The preparation flows (participant and coordinator), without a database or Telegram."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flows import preparing, router
from flows.answers import MAX_ANSWER
from flows.context import (
    AnswerView,
    PersonView,
    PrepOverview,
    PrepPerson,
    PrepView,
    SharedAnswer,
)
from flows.events import OtherMessage
from flows.outcome import (
    NotePrepReminder,
    SaveAnswer,
    SetAnswerVisibility,
    SetPrepProgress,
)
from tests.auxil.flowctx import NOW, Chat, case, coordinator, ctx

MEETING = NOW + timedelta(days=3)


def prep_view(**overrides) -> PrepView:
    fields = dict(meeting_id=1, case_id=7, pseudonym="Family A", model_id="systemic", meeting_type="meeting",
                  starts_at=MEETING, opens_at=NOW - timedelta(days=4), timezone="Europe/Stockholm",
                  meeting_status="planned", role="family", follow_up=False, status="invited")
    return PrepView(**{**fields, **overrides})


class PrepChat(Chat):
    """A chat whose saved answers are kept, as the storage side would keep them."""

    def _run(self, event):
        out = super()._run(event)
        preps = []
        for prep in self.ctx.preparations:
            answers, position, part, status = dict(prep.answers), prep.position, prep.part, prep.status
            for change in out.changes:
                if getattr(change, "meeting_id", None) != prep.meeting_id:
                    continue
                if isinstance(change, SaveAnswer):
                    answers[change.question_id] = AnswerView(change.kind, change.value, change.visibility)
                elif isinstance(change, SetAnswerVisibility):
                    old = answers[change.question_id]
                    answers[change.question_id] = AnswerView(old.kind, old.value, change.visibility)
                elif isinstance(change, SetPrepProgress):
                    position, part = change.position, change.part
                    status = "finished" if change.status == "finished" or status == "finished" else "started"
            preps.append(replace(prep, answers=answers, position=position, part=part, status=status))
        self.ctx = replace(self.ctx, preparations=tuple(preps))
        return out

    def texts(self) -> str:
        return " | ".join(self.msgids())


def family_chat(**prep) -> PrepChat:
    person = PersonView(2, "Anna", False, "en")
    return PrepChat(ctx(person=person, preparations=(prep_view(**prep),)))


def saved(out) -> list[SaveAnswer]:
    return [c for c in out.changes if isinstance(c, SaveAnswer)]


def test_questions_come_one_at_a_time_with_progress_and_who_sees_it():
    chat = family_chat()
    out = chat.command("prep")
    texts = chat.texts()
    assert "There are {n} questions" in out.replies[0].parts[0].plural
    assert "<b>Question {i} of {n}</b>" in texts
    header = next(p for r in out.replies for p in r.parts if p.msgid == "<b>Question {i} of {n}</b>")
    assert header.params == {"i": 1, "n": len(chat.ctx.models.get("systemic").meeting_type("meeting").questions_for("family"))}
    assert any("Who will see your answer" in m for m in chat.msgids())
    assert "prep:skip" in chat.actions() and "prep:pause" in chat.actions()


def test_several_messages_are_one_answer_and_next_moves_on():
    chat = family_chat()
    chat.command("prep")
    first = saved(chat.text("Mornings are hard."))
    assert first[0].value == {"text": "Mornings are hard."} and first[0].visibility == "meeting"
    second = saved(chat.text("Evenings are calm."))
    assert second[0].value == {"text": "Mornings are hard.\n\nEvenings are calm."}
    chat.press("prep:next")
    assert chat.ctx.state.data["i"] == 1


def test_coming_back_and_writing_more_adds_to_the_answer():
    chat = family_chat()
    chat.command("prep")
    chat.text("First part")
    chat.press("prep:next")
    chat.press("prep:back")
    assert "First part" in str([p.params for r in chat.last.replies for p in r.parts])
    (change,) = saved(chat.text("Second part"))
    assert change.value == {"text": "First part\n\nSecond part"}
    assert "Added to your answer." in chat.texts()
    # After a pause (or a restart: the chat's state is gone, only the stored answer is left) too.
    chat.press("prep:pause")
    chat.ctx = replace(chat.ctx, state=replace(chat.ctx.state))
    chat.command("prep")
    (change,) = saved(chat.text("Third part"))
    assert change.value == {"text": "First part\n\nSecond part\n\nThird part"}


def test_start_again_replaces_the_answer_only_when_asked_and_says_so():
    chat = family_chat()
    chat.command("prep")
    chat.text("First try")
    assert "prep:anew" in chat.actions()  # offered right after saving, too
    chat.press("prep:pause")
    chat.command("prep")
    assert "prep:anew" in chat.actions()
    out = chat.press("prep:anew")
    assert not out.changes and "What you write next replaces your answer so far." in chat.texts()
    assert "prep:keep" in chat.actions()
    (change,) = saved(chat.text("Second try"))
    assert change.value == {"text": "Second try"}
    assert "Your earlier answer was replaced." in chat.texts()
    (change,) = saved(chat.text("and more"))  # one "Start again" replaces once
    assert change.value == {"text": "Second try\n\nand more"}
    chat.press("prep:anew")
    out = chat.press("prep:keep")
    assert out.toast.msgid == "Your answer is kept."
    (change,) = saved(chat.text("still more"))
    assert change.value == {"text": "Second try\n\nand more\n\nstill more"}


def test_a_voice_message_never_wipes_out_a_written_answer_unasked():
    chat = family_chat()
    chat.command("prep")
    chat.text("Written words")
    out = chat._run(OtherMessage("voice", "VOICE1", 4))
    assert not saved(out) and "voice message cannot be added" in chat.texts()
    chat.press("prep:anew")
    (change,) = saved(chat._run(OtherMessage("voice", "VOICE1", 4)))
    assert change.kind == "voice" and "Your earlier answer was replaced." in chat.texts()


def test_an_answer_too_long_is_refused_and_the_earlier_part_kept():
    chat = family_chat()
    chat.command("prep")
    chat.text("start")
    out = chat.text("x" * MAX_ANSWER)
    assert not saved(out)
    assert "longer than I can keep" in chat.texts()


def test_a_voice_note_is_an_answer_to_a_text_question():
    chat = family_chat()
    chat.command("prep")
    out = chat._run(OtherMessage("voice", "VOICE123", 12))
    (change,) = saved(out)
    assert change.kind == "voice" and change.value == {"voice": "VOICE123", "duration": 12}


def test_a_sticker_is_answered_and_the_question_repeated():
    chat = family_chat()
    chat.command("prep")
    out = chat._run(OtherMessage("sticker"))
    assert not saved(out)
    assert "I can only read text here." in chat.texts()
    assert "<b>Question {i} of {n}</b>" in chat.texts()


def test_visibility_is_chosen_per_answer_before_and_after_answering():
    chat = family_chat()
    chat.command("prep")
    chat.press("prep:v")
    out = chat.press("prep:vs:private")
    (change,) = saved(out)
    assert change.kind == "skipped" and change.visibility == "private"
    (change,) = saved(chat.text("Just for me"))
    assert change.visibility == "private"  # the choice made before answering holds
    chat.press("prep:v")
    out = chat.press("prep:vs:coordinator")
    assert [c for c in out.changes if isinstance(c, SetAnswerVisibility)][0].visibility == "coordinator"


def test_the_network_map_is_built_person_by_person_and_shown_as_a_picture():
    chat = family_chat(position=1)  # systemic: question 2 is the network map
    chat.command("prep")
    chat.text("Grandma <Eva> & co")
    assert "prep:mk:family" in chat.actions()
    chat.press("prep:mk:family")
    out = chat.press("prep:mc:1")
    (change,) = saved(out)
    assert change.value == {"people": [{"name": "Grandma <Eva> & co", "kind": "family", "closeness": 1}]}
    chat.text("Coach Ali")
    chat.press("prep:mk:friend")
    chat.press("prep:mc:3")
    out = chat.press("prep:md")
    picture = out.replies[0].picture
    assert picture.people == (("Grandma <Eva> & co", "family", 1), ("Coach Ali", "friend", 3))
    chat.press("prep:mr")
    out = chat.press("prep:mx:0")
    assert saved(out)[0].value["people"] == [{"name": "Coach Ali", "kind": "friend", "closeness": 3}]
    chat.press("prep:mok")
    assert chat.ctx.state.data["i"] == 2


def test_the_childs_answers_go_to_the_coordinator_unless_the_child_shares_them():
    person = PersonView(3, "Kim", False, "en")
    chat = PrepChat(ctx(person=person, preparations=(prep_view(role="child"),)))
    chat.command("prep")
    out = chat.press("prep:c:0")
    (change,) = saved(out)
    assert change.kind == "choice" and change.visibility == "coordinator"
    chat.press("prep:v")
    chat.press("prep:vs:meeting")
    out = chat.press("prep:c:2")
    assert saved(out)[0].visibility == "meeting"


def test_scale_and_three_columns():
    person = PersonView(4, "Lars", False, "en")
    prep = prep_view(model_id="danish_series", meeting_type="netvaerksmode", role="professional")
    chat = PrepChat(ctx(person=person, preparations=(prep,)))
    chat.command("prep")  # professional: the three columns first
    chat.text("School absence")
    chat.press("prep:col")
    chat.text("Good contact with the teacher")
    chat.press("prep:col")
    out = chat.text("A plan for mornings")
    assert saved(out)[0].value == {"worries": "School absence", "working": "Good contact with the teacher", "next": "A plan for mornings"}
    chat.press("prep:col")
    chat.text("eleven")
    assert "Please choose a number from 0 to 10" in chat.texts()
    chat.text("11")
    assert "Please choose a number from 0 to 10" in chat.texts()
    out = chat.text("7")
    assert saved(out)[0].value == {"scale": 7}


def three_columns_chat() -> PrepChat:
    person = PersonView(4, "Lars", False, "en")
    prep = prep_view(model_id="danish_series", meeting_type="netvaerksmode", role="professional")
    return PrepChat(ctx(person=person, preparations=(prep,)))


def part_shown(chat) -> int:
    header = next(p for r in chat.last.replies for p in r.parts if p.msgid == "We take this in three parts. Part {i} of 3:")
    return header.params["i"]


def test_a_column_is_added_to_and_started_again_on_its_own():
    chat = three_columns_chat()
    chat.command("prep")
    chat.text("School absence")
    chat.press("prep:pause")
    chat.command("prep")
    (change,) = saved(chat.text("Late evenings"))
    assert change.value == {"worries": "School absence\n\nLate evenings"}
    assert "Added to what you wrote in this part." in chat.texts()
    chat.press("prep:col")
    chat.text("The teacher")
    chat.press("prep:anew")
    assert "What you write next replaces what you wrote in this part so far. Until you send it, it is kept." in chat.texts()
    (change,) = saved(chat.text("Good contact with the teacher"))
    assert change.value == {"worries": "School absence\n\nLate evenings", "working": "Good contact with the teacher"}
    assert "What you wrote in this part before was replaced." in chat.texts()


def test_resuming_a_three_column_question_starts_at_the_part_one_paused_in():
    chat = three_columns_chat()
    chat.command("prep")
    chat.text("School absence")
    out = chat.press("prep:col")
    assert any(isinstance(c, SetPrepProgress) and c.part == 1 for c in out.changes)  # kept as one moves on
    chat.press("prep:col")
    out = chat.press("prep:pause")
    assert SetPrepProgress(1, 0, "started", 2) in out.changes
    chat.command("prep")
    assert chat.ctx.state.data["col"] == 2 and part_shown(chat) == 3
    # A restart: nothing left of the chat's state, only what is stored.
    chat.ctx = replace(chat.ctx, state=replace(chat.ctx.state, flow=None, step=None, data={}))
    chat.command("prep")
    assert part_shown(chat) == 3


def test_skipping_the_last_question_shows_it_skipped_in_the_summary():
    chat = family_chat()
    chat.command("prep")
    total = len(preparing.questions(chat.ctx, chat.ctx.preparations[0]))
    for _ in range(total):
        chat.press("prep:skip")
    answers = [p.params["answer"].msgid for r in chat.last.replies for p in r.parts if "answer" in p.params]
    assert answers == ["(skipped)"] * total


def test_skip_back_pause_and_resume_where_one_was():
    chat = family_chat()
    chat.command("prep")
    out = chat.press("prep:skip")
    assert saved(out)[0].kind == "skipped"
    chat.press("prep:skip")
    chat.press("prep:back")
    assert chat.ctx.state.data["i"] == 1
    out = chat.press("prep:pause")
    assert out.state.flow is None and "Paused" in chat.texts()
    chat.command("prep")
    assert chat.ctx.state.data["i"] == 1


def test_summary_done_and_changing_an_answer_afterwards():
    chat = family_chat()
    chat.command("prep")
    total = len(preparing.questions(chat.ctx, chat.ctx.preparations[0]))
    for _ in range(total):
        chat.press("prep:skip")
    assert chat.ctx.state.step == "summary" and "<b>Your answers</b>" in chat.texts()
    out = chat.press("prep:done")
    assert any(isinstance(c, SetPrepProgress) and c.status == "finished" for c in out.changes)
    chat.command("prep")
    assert chat.ctx.state.step == "summary"
    chat.press("prep:edit")
    chat.press("prep:goto:0")
    assert chat.ctx.state.data["i"] == 0


def test_closed_once_the_meeting_starts_and_not_open_too_early():
    chat = family_chat()
    chat.command("prep")
    chat.ctx = replace(chat.ctx, now=MEETING + timedelta(minutes=1))
    out = chat.text("late answer")
    assert not saved(out) and "preparation is closed" in chat.texts()
    early = family_chat(opens_at=NOW + timedelta(days=1))
    early.command("prep")
    assert "opens on" in early.texts()


def test_forged_and_stale_buttons_change_nothing():
    chat = family_chat()
    chat.command("prep")
    out = chat.press("prep:c:99")  # a text question has no choices
    assert not out.changes
    out = chat._run(router.ButtonPress(router.stamp(chat.ctx.version + 7, "prep:skip"), 55))
    assert not saved(out) and "earlier question" in chat.texts()


def test_a_start_button_for_someone_elses_meeting_is_refused():
    chat = family_chat()
    out = chat._run(router.ButtonPress("-|prep:go:999", 5))
    assert "not available" in chat.texts() and out.state.flow is None


# ---- the coordinator's side ----------------------------------------------


def overview_ctx(**overrides):
    the_case = case()
    people = (
        PrepPerson(2, 200, "Anna", "family", "finished", 5, 5),
        PrepPerson(3, 300, "Kim", "child", "started", 2, 5),
        PrepPerson(4, 400, "Lars", "network", "new", 0, 6),
    )
    shared = (
        SharedAnswer(2, "Anna", "family", "everyday", AnswerView("text", {"text": "Mornings <are> hard"}, "meeting")),
        SharedAnswer(3, "Kim", "child", "child_how", AnswerView("choice", {"choice": 0}, "coordinator")),
        SharedAnswer(2, "Anna", "family", "important_people",
                     AnswerView("network_map", {"people": [{"name": "Eva", "kind": "family", "closeness": 1}]}, "meeting")),
        SharedAnswer(2, "Anna", "family", "to_discuss", AnswerView("text", {"text": "secret"}, "private")),
    )
    view = PrepOverview(the_case, the_case.meetings[0], NOW - timedelta(days=1), False, people, shared)
    return ctx(person=coordinator(), coordinated_cases=(the_case,), prep_overview=view, **overrides)


def test_the_coordinator_sees_who_prepared():
    chat = PrepChat(overview_ctx())
    chat.command("prep")
    shown = repr(chat.last.replies)
    assert "✅ <b>Finished</b>" in shown and "⏳ <b>Not opened yet</b>" in shown
    assert "prepov:nudge" in chat.actions()


def test_the_digest_holds_shared_answers_only_and_the_maps():
    chat = PrepChat(overview_ctx())
    chat.command("prep")
    out = chat.press("prepov:byq")
    flat = repr(out.replies)
    assert "Mornings <are> hard" in flat and "secret" not in flat
    assert any(r.picture is not None for r in out.replies)
    out = chat.press("prepov:byp")
    assert "secret" not in repr(out.replies)


def test_nudging_one_person_writes_to_them():
    chat = PrepChat(overview_ctx())
    chat.command("prep")
    chat.press("prepov:nudge")
    out = chat.press("prepov:n:4")
    nudge = next(r for r in out.replies if r.chat_id == 400)
    assert nudge.buttons[0][0].action == "prep:go:1" and not nudge.stamp_buttons
    assert any(isinstance(c, NotePrepReminder) and c.person_id == 4 for c in out.changes)


def test_a_participant_cannot_see_the_overview():
    person = PersonView(2, "Anna", False, "en")
    chat = PrepChat(ctx(person=person, preparations=()))
    chat.command("prep")
    assert "nothing to prepare" in chat.texts()
    out = chat._run(router.ButtonPress(router.stamp(chat.ctx.version, "prepov:byq"), 5))
    assert not out.changes


def test_text_while_choosing_who_sees_it_brings_the_question_back_with_working_buttons():
    chat = family_chat()
    chat.command("prep")
    chat.press("prep:v")
    out = chat.text("oops")
    assert not saved(out) and chat.ctx.state.step == "q"
    assert "Please use the buttons under the message." in chat.texts()
    out = chat.press("prep:skip")
    assert saved(out)[0].kind == "skipped"


def test_a_start_button_for_a_meeting_with_no_questions_for_the_role_says_so():
    person = PersonView(6, "Sam", False, "en")
    prep = prep_view(model_id="danish_series", meeting_type="samarbejdsmode", role="professional")
    chat = PrepChat(ctx(person=person, preparations=(replace(prep, role="family"),)))
    out = chat._run(router.ButtonPress("-|prep:go:1", 5))
    assert "nothing to prepare" in chat.texts() and out.state.flow is None


def test_a_notice_button_for_a_closed_preparation_leaves_the_current_question_alone():
    chat = PrepChat(ctx(person=PersonView(2, "Anna", False, "en"),
                        preparations=(prep_view(), prep_view(meeting_id=2, starts_at=NOW - timedelta(hours=1)))))
    chat.command("prep")
    where = chat.ctx.state
    out = chat._run(router.ButtonPress("-|prep:go:2", 55))  # a forged or old notice, pressed on the current question
    assert "preparation is closed" in chat.texts()
    assert out.state == where and not out.changes and not out.clear_buttons
    (change,) = saved(chat.text("Still answering question 1"))
    assert change.question_id == preparing.questions(chat.ctx, chat.ctx.preparations[0])[0].id


def test_preparation_starts_with_the_meetings_purpose_and_each_steps_part_for_the_reader():
    from flows.context import PersonView

    def intro(role, meeting_type="bornesamtale"):
        prep = prep_view(role=role, model_id="danish_series", meeting_type=meeting_type)
        chat = PrepChat(ctx(person=PersonView(2, "Ella", False, "en"), preparations=(prep,)))
        return chat.command("prep").replies[0].parts

    child = intro("child")
    purpose = next(p for p in child if p.msgid == "<b>{meeting}</b>\n{purpose}")
    assert purpose.params["meeting"].msgid == "Talk with the child" and "life at the place" in purpose.params["purpose"].msgid
    steps = next(p for p in child if p.msgid.startswith("<b>How the meeting goes")).params["steps"].items
    assert [s.params["title"].msgid for s in steps] == ["Getting comfortable", "How are you?", "What happens now"]
    assert [s.params["part"].msgid for s in steps] == ["you speak", "you speak", "you speak"]
    # In the moving-in talk the child listens first, then may go out for a break.
    parts = [s.params["part"].msgid for s in
             next(p for p in intro("child", "indskrivningssamtale") if p.msgid.startswith("<b>How the meeting goes")).params["steps"].items]
    assert parts[:3] == ["you listen", "you speak", "you step out for a while"]
    family = intro("family", "indskrivningssamtale")
    assert family[0].plural.startswith("Let's prepare") and family[1].msgid == "<b>{meeting}</b>\n{purpose}"


def test_in_a_family_group_conference_everyone_preparing_is_told_the_coordinator_is_independent():
    from flows.context import PersonView

    independent = "The coordinator who leads this meeting is independent of the social services"
    for model_id, told in (("family_group_conference", True), ("systemic", False)):
        prep = prep_view(role="network", model_id=model_id)
        chat = PrepChat(ctx(person=PersonView(2, "Ella", False, "en"), preparations=(prep,)))
        parts = chat.command("prep").replies[0].parts
        assert any(p.msgid.startswith(independent) for p in parts) is told

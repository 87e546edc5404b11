"""Running a meeting (/meeting), without a database or Telegram."""

from __future__ import annotations

from dataclasses import replace

from flows import router
from flows.context import AnswerView, Attendee, MeetingRun, PersonView
from flows.events import ButtonPress
from flows.outcome import IDLE, UpdateMeeting
from tests.auxil.flowctx import Chat, case, coordinator, ctx

PEOPLE = (
    Attendee(2, 200, "Anna", "family", (("everyday", AnswerView("text", {"text": "Mornings are hard"}, "private")),)),
    Attendee(3, 300, "Kim", "child"),
    Attendee(4, 400, "Lars", "network"),
    Attendee(5, 500, "Aino", "professional"),
)


class RunChat(Chat):
    """Keeps the meeting's stored progress as the storage side would."""

    def _run(self, event):
        out = super()._run(event)
        run = self.ctx.meeting_run
        for change in out.changes:
            if isinstance(change, UpdateMeeting) and run is not None:
                meeting = replace(run.meeting, status=change.status or run.meeting.status)
                run = replace(run, progress=dict(change.progress), meeting=meeting)
        self.ctx = replace(self.ctx, meeting_run=run)
        return out

    def to(self, chat_id: int):
        return [r for r in self.last.replies if r.chat_id == chat_id]

    def said_to(self, chat_id: int) -> str:
        return repr(self.to(chat_id))


def run_chat(model="systemic", people=PEOPLE, **progress) -> RunChat:
    the_case = case(model_id=model)
    run = MeetingRun(the_case, the_case.meetings[0], 900, dict(progress), people)
    return RunChat(ctx(person=coordinator(), coordinated_cases=(the_case,), meeting_run=run))


def test_attendance_first_then_the_child_absent_needs_a_reason():
    chat = run_chat()
    out = chat.command("meeting")
    assert "meeting:att:2" in chat.actions() and "meeting:start" in chat.actions()
    for pid in (2, 4, 5):
        chat.press(f"meeting:att:{pid}")
    assert chat.ctx.meeting_run.progress["present"] == [2, 4, 5]
    out = chat.press("meeting:start")
    assert chat.ctx.state.step == "reason" and not out.changes
    out = chat.text("Kim is ill today")
    (change,) = out.changes
    assert change.status == "running" and change.progress["absent_reason"] == "Kim is ill today"
    assert change.progress["step"] == 0
    assert {r.chat_id for r in out.replies if r.chat_id} == {200, 400, 500}  # Kim, absent, gets nothing


def test_each_person_is_told_their_part_and_the_speaker_gets_their_own_notes():
    chat = run_chat(present=[2, 3, 4, 5], absent_reason=None)
    chat.command("meeting")
    chat.press("meeting:start")
    out = chat.press("meeting:next")  # the family's thoughts: a round of family, child, professional
    assert "It is your turn to speak now" in chat.said_to(200) and "Mornings are hard" in chat.said_to(200)
    assert "one at a time" in chat.said_to(300) and "Mornings are hard" not in chat.said_to(300)
    assert "time to listen" in chat.said_to(400)
    out = chat.press("meeting:speaker")
    assert [r.chat_id for r in out.replies if r.chat_id] == [300]  # only the next speaker is told
    assert "It is your turn" in chat.said_to(300)
    assert out.replies[0].edit_message_id == 55  # the control message is edited in place


def test_private_family_time_sends_the_professionals_out_and_the_family_calls_them_back():
    chat = run_chat(model="family_group_conference", present=[2, 3, 4, 5])
    chat.command("meeting")
    chat.press("meeting:start")
    chat.press("meeting:next")
    assert "leave the room" in chat.said_to(500)
    family = chat.to(200)[0]
    assert "What help do you need from the professionals?" in repr(family)
    assert family.buttons[0][0].action == "meeting:ready:1" and not family.stamp_buttons
    anna = RunChat(replace(chat.ctx, person=PersonView(2, "Anna", False, "en"), state=IDLE))
    out = anna._run(ButtonPress("-|meeting:ready:1", 9))
    assert out.changes[0].progress["family_ready"] is True
    assert "family is ready" in anna.said_to(900) and "come back in" in anna.said_to(500)
    again = anna._run(ButtonPress("-|meeting:ready:1", 9))
    assert not again.changes


def test_only_the_coordinator_moves_the_agenda():
    chat = run_chat(present=[2])
    lars = RunChat(replace(chat.ctx, person=PersonView(4, "Lars", False, "en"), coordinated_cases=()))
    lars.command("meeting")
    assert "Only the coordinator" in lars.msgids()[0]
    out = lars._run(ButtonPress(router.stamp(lars.ctx.version, "meeting:next"), 55))
    assert not out.changes
    outsider = RunChat(replace(chat.ctx, person=PersonView(9, "Eve", False, "en")))
    out = outsider._run(ButtonPress("-|meeting:ready:1", 9))
    assert not out.changes


def test_ending_needs_a_confirmation_and_then_the_buttons_say_it_has_ended():
    chat = run_chat(present=[2, 3, 4])
    chat.command("meeting")
    chat.press("meeting:start")
    out = chat.press("meeting:end")
    assert not out.changes and "meeting:endyes" in chat.actions()
    out = chat.press("meeting:endyes")
    assert out.changes[0].status == "ended"
    assert "has ended" in chat.said_to(200)
    chat.ctx = replace(chat.ctx, state=replace(chat.ctx.state, flow="meeting", step="control"))
    out = chat.press("meeting:next")
    assert "has ended" in repr(out.replies) and not out.changes


def test_pause_and_continue_tell_everyone():
    chat = run_chat(present=[2, 3, 4])
    chat.command("meeting")
    chat.press("meeting:start")
    out = chat.press("meeting:pause")
    assert out.changes[0].progress["paused"] is True and "paused" in chat.said_to(400)
    out = chat.press("meeting:resume")
    assert out.changes[0].progress["paused"] is False and "Now:" in chat.said_to(400)


def danish_run(meeting_type: str, **progress) -> RunChat:
    from flows.context import MeetingView
    from tests.auxil.flowctx import NOW
    from datetime import timedelta

    the_case = case(model_id="danish_series",
                    meetings=(MeetingView(1, meeting_type, NOW + timedelta(days=2), "Rådhuset", "planned"),))
    run = MeetingRun(the_case, the_case.meetings[0], 900, dict(progress), PEOPLE)
    return RunChat(ctx(person=coordinator(), coordinated_cases=(the_case,), meeting_run=run))


def test_a_professionals_only_meeting_lists_only_the_professionals_and_does_not_ask_for_the_child():
    chat = danish_run("samarbejdsmode")
    out = chat.command("meeting")
    assert chat.actions().count("meeting:att:5") == 1
    assert not {"meeting:att:2", "meeting:att:3", "meeting:att:4"} & set(chat.actions())
    assert "Anna" not in repr(out.replies) and "Only the professionals take part" in repr(out.replies)
    out = chat.press("meeting:att:2")  # a forged button for the mother changes nothing
    assert not out.changes
    chat.press("meeting:att:5")
    out = chat.press("meeting:start")
    assert chat.ctx.state.step == "control" and out.changes[0].status == "running"  # no question about Kim


def test_the_family_is_told_when_a_professionals_only_meeting_ends_and_nobody_else_is():
    chat = danish_run("samarbejdsmode", present=[5])
    chat.command("meeting")
    chat.press("meeting:start")
    chat.press("meeting:end")
    out = chat.press("meeting:endyes")
    told = chat.to(200)
    assert "The professionals working with you had a meeting without you" in repr(told[0])
    assert "The professionals working with you" not in chat.said_to(300) + chat.said_to(400) + chat.said_to(500)
    assert out.changes[0].status == "ended"


def test_a_meeting_with_the_family_sends_no_inform_family_text():
    chat = danish_run("statusmode", present=[2, 3, 5])
    chat.command("meeting")
    chat.press("meeting:start")
    chat.press("meeting:end")
    chat.press("meeting:endyes")
    assert "had a meeting without you" not in chat.said_to(200)


def test_ending_a_status_meeting_without_the_next_one_asks_the_coordinator_to_confirm():
    chat = danish_run("statusmode", present=[2, 3, 5])
    chat.command("meeting")
    chat.press("meeting:start")
    out = chat.press("meeting:end")
    assert "No next {meeting} is planned yet" in repr(out.replies) and not out.changes
    assert {"meeting:nextdate", "meeting:endyes", "meeting:stay"} <= set(chat.actions())
    from flows.context import MeetingView
    from tests.auxil.flowctx import NOW
    from datetime import timedelta

    planned = MeetingView(2, "statusmode", NOW + timedelta(days=9), "Rådhuset", "planned", "ref", 0)
    chat.ctx = replace(chat.ctx, meeting_run=replace(chat.ctx.meeting_run, coming=(planned,)))
    out = chat.press("meeting:end")
    assert "End the meeting now?" in repr(out.replies)


def test_a_talk_with_the_child_ends_without_asking_for_a_next_one():
    chat = danish_run("bornesamtale", present=[3])
    chat.command("meeting")
    chat.press("meeting:start")
    out = chat.press("meeting:end")
    assert "End the meeting now?" in repr(out.replies)


def test_the_start_up_meeting_agrees_how_often_to_follow_up():
    chat = run_chat(model="startup", present=[2, 3, 5])
    chat.command("meeting")
    chat.press("meeting:start")
    for _ in range(5):  # to "Following up"
        chat.press("meeting:next")
    assert "meeting:freq" in chat.actions()
    chat.press("meeting:freq")
    assert [f"meeting:freqset:{w}" for w in (2, 4, 6, 8)] == [a for a in chat.actions() if a.startswith("meeting:freqset")]
    out = chat.press("meeting:freqset:3")  # not offered: a forged button changes nothing
    assert not out.changes
    out = chat.press("meeting:freqset:6")
    assert out.changes[0].progress["follow_up_weeks"] == 6
    assert "🔁 Agreed: we follow up every {n} week." in repr(out.replies)


def test_a_reflecting_team_member_listens_in_steps_2_and_4_and_reflects_first_in_step_3():
    tove = Attendee(6, 600, "Tove", "reflecting_team")
    chat = run_chat(people=(*PEOPLE, tove), present=[2, 4, 5, 6], absent_reason="Kim is at school")
    chat.command("meeting")
    chat.press("meeting:start")
    assert "time to listen" in chat.said_to(600)
    chat.press("meeting:next")  # 2: the family's thoughts
    assert "time to listen" in chat.said_to(600) and "Keep your thoughts for the next part" in chat.said_to(600)
    assert "Keep your thoughts" not in chat.said_to(400)  # the network hears only its own part
    chat.press("meeting:next")  # 3: what the others heard: the reflecting team speaks first
    assert "It is your turn to speak now" in chat.said_to(600)
    assert "offer your thoughts as possibilities" in chat.said_to(600)
    assert "time to listen" in chat.said_to(200)
    assert "one at a time" in chat.said_to(400)  # Lars, of the network, comes after the team
    out = chat.press("meeting:speaker")
    assert [r.chat_id for r in out.replies if r.chat_id] == [400]
    chat.press("meeting:next")  # 4: back to the family
    assert "What they choose to pick up matters more" in chat.said_to(600)
    assert "It is your turn to speak now" in chat.said_to(200)

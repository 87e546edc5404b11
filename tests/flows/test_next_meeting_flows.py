"""/next and the answers to an announced meeting, without a database or Telegram."""

from dataclasses import replace
from datetime import datetime, timedelta

from flows.context import (
    InvitationView,
    Invitee,
    MeetingView,
    NextMeetingPlan,
    PersonView,
)
from flows.events import ButtonPress
from flows.outcome import (
    BULK,
    IDLE,
    AnnounceMeeting,
    AnswerInvitation,
    MoveMeeting,
    RecordBroadcast,
)
from tests.auxil.flowctx import NOW, Chat, case, coordinator, ctx

PEOPLE = (Invitee(2, 200, "Anna", "family"), Invitee(3, 300, "Kim", "child"), Invitee(4, 400, "Lars", "network"),
          Invitee(5, 500, "Aino", "professional"))
HELD = MeetingView(1, "meeting", NOW - timedelta(days=2), "Town hall", "ended")


def plan(**overrides) -> NextMeetingPlan:
    fields = dict(case=case(), people=PEOPLE, history=(HELD,))
    return NextMeetingPlan(**{**fields, **overrides})


def cia(**overrides) -> Chat:
    the_plan = plan(**overrides)
    return Chat(ctx(person=coordinator(), coordinated_cases=(the_plan.case,), next_plan=the_plan))


def test_the_draft_invites_everyone_and_sending_tells_each_with_a_calendar_file():
    c = cia()
    c.command("next")
    assert c.ctx.state.step == "draft" and c.ctx.state.data["invited"] == [2, 3, 4, 5]
    assert "next:send" in c.actions()
    out = c.press("next:send")
    announce = next(ch for ch in out.changes if isinstance(ch, AnnounceMeeting))
    record = next(ch for ch in out.changes if isinstance(ch, RecordBroadcast))
    assert announce.meeting_id is None and announce.invited == (2, 3, 4, 5) and record.recipients == 4
    sent = [r for r in out.replies if r.chat_id]
    assert {r.chat_id for r in sent} == {200, 300, 400, 500}
    assert all(r.calendar.uid == f"{announce.ref}@meetbot" and r.calendar.sequence == 0 for r in sent)
    assert all(r.broadcast == record.ref and r.priority == BULK and not r.stamp_buttons for r in sent)
    assert sent[0].buttons[0][0].action == f"rsvp:yes:{announce.ref}:0"


def test_who_takes_part_next_time_and_a_professionals_only_meeting_choose_the_invited():
    c = cia(next_people=(2, 5))
    c.command("next")
    assert c.ctx.state.data["invited"] == [2, 5]
    danish = case(model_id="danish_series")
    c = Chat(ctx(person=coordinator(), coordinated_cases=(danish,),
                 next_plan=plan(case=danish, history=(MeetingView(1, "samarbejdsmode", NOW - timedelta(days=2), None, "ended"),))))
    c.command("next")
    assert c.ctx.state.data["invited"] == [5]  # the meeting of the professionals


def test_the_talk_with_the_child_invites_no_staff_from_the_place_unless_ticked():
    danish = case(model_id="danish_series")
    c = Chat(ctx(person=coordinator(), coordinated_cases=(danish,),
                 next_plan=plan(case=danish, history=(MeetingView(1, "statusmode", NOW - timedelta(days=2), None, "ended"),))))
    c.command("next")
    c.press("next:edit:type")
    out = c.press("next:type:bornesamtale")
    assert c.ctx.state.data["invited"] == [3]  # Kim; not Aino from the place
    assert "unless the child asks for their contact person" in repr(out.replies)
    c.press("next:edit:who")
    c.press("next:inv:5")  # Kim asked for Aino
    c.press("next:invdone")
    assert c.ctx.state.data["invited"] == [3, 5]


def test_only_the_coordinator_of_the_open_case_plans_it():
    participant = Chat(ctx(person=PersonView(2, "Anna", False, "en")))
    assert "Only the coordinator" in participant.command("next").replies[0].parts[0].msgid
    other = Chat(ctx(person=coordinator(id=99), coordinated_cases=(case(coordinator_id=99),), next_plan=plan()))
    assert "no open case of yours" in other.command("next").replies[0].parts[0].msgid
    closed = Chat(ctx(person=coordinator(), coordinated_cases=(case(status="closed"),), next_plan=plan(case=case(status="closed"))))
    assert "no open cases" in closed.command("next").replies[0].parts[0].msgid


def test_a_move_from_a_board_that_is_out_of_date_shows_how_it_stands_now():
    announced = MeetingView(9, "meeting", NOW + timedelta(days=10), "Town hall", "planned", "REF9", 0)
    c = cia(upcoming=announced, invited=PEOPLE[:2])
    c.command("next")
    assert c.ctx.state.step == "board"
    c.press("next:move")
    c.text((NOW + timedelta(days=12)).date().isoformat())
    out = c.press("next:keeptime")
    assert c.ctx.state.step == "move_confirm"
    moved = MeetingView(9, "meeting", NOW + timedelta(days=11), "Town hall", "planned", "REF9", 1)
    c.ctx = c.ctx.__class__(**{**c.ctx.__dict__, "next_plan": plan(upcoming=moved, invited=PEOPLE[:2])})
    out = c.press("next:moveyes")  # someone moved it in the meantime: nothing is moved twice
    assert not any(isinstance(ch, MoveMeeting) for ch in out.changes) and c.ctx.state.step == "board"


def invitation(**overrides) -> InvitationView:
    meeting = MeetingView(9, "meeting", NOW + timedelta(days=10), "Town hall", "planned", "REF9", 1)
    return InvitationView(**{**dict(case=case(), meeting=meeting, response=None, coordinator_chat_id=900), **overrides})


def anna(**overrides) -> Chat:
    return Chat(ctx(person=PersonView(2, "Anna", False, "en"), invitation=invitation(**overrides)))


def test_answers_are_noted_and_the_coordinator_told_and_an_old_revision_asks_again():
    c = anna()
    out = c._run(ButtonPress("-|rsvp:yes:REF9:1", 55))
    assert AnswerInvitation(9, "yes") in out.changes and not out.clear_buttons
    assert any(r.chat_id == 900 for r in out.replies)
    out = anna()._run(ButtonPress("-|rsvp:yes:REF9:0", 55))
    assert not out.changes and out.replies[0].buttons[0][0].action == "rsvp:yes:REF9:1"
    out = anna(meeting=invitation().meeting.__class__(9, "meeting", NOW + timedelta(days=10), None, "cancelled", "REF9", 2))._run(
        ButtonPress("-|rsvp:yes:REF9:2", 55))
    assert "cancelled" in out.replies[0].parts[0].msgid and not out.changes


def test_another_time_asks_what_would_suit_and_a_stranger_is_refused():
    c = anna()
    c._run(ButtonPress("-|rsvp:other:REF9:1", 55))
    assert c.ctx.state.flow == "rsvp"
    out = c.text("Thursdays   after three")
    assert AnswerInvitation(9, "other", "Thursdays after three") in out.changes and out.state == IDLE
    stranger = Chat(ctx(person=PersonView(8, "Eve", False, "en")))
    out = stranger._run(ButtonPress("-|rsvp:yes:REF9:1", 55))
    assert "does not work here" in out.toast.msgid and not out.changes


def danish_chat(**overrides) -> Chat:
    danish = case(model_id="danish_series")
    return Chat(ctx(person=coordinator(), coordinated_cases=(danish,), next_plan=plan(case=danish, **overrides)))


def test_after_the_moving_in_talk_the_next_suggestion_is_a_status_meeting_about_a_week_later():
    moved_in = MeetingView(1, "indskrivningssamtale", NOW - timedelta(days=1), "Stedet", "ended")
    c = danish_chat(history=(moved_in,))
    out = c.command("next")
    data = c.ctx.state.data
    assert data["type"] == "statusmode"
    days = (datetime.fromisoformat(data["date"]).date() - moved_in.starts_at.date()).days
    assert 5 <= days <= 7  # a week after, or the Friday before a weekend
    assert "The model says every {n} day." in repr(out.replies)


def test_a_series_plans_one_more_meeting_besides_the_announced_one():
    status = MeetingView(2, "statusmode", NOW + timedelta(days=5), "Stedet", "planned", "ref-status", 0)
    c = danish_chat(history=(MeetingView(1, "indskrivningssamtale", NOW - timedelta(days=2), "Stedet", "ended"),),
                    upcoming=status, coming=(status,), invited=PEOPLE[:2])
    out = c.command("next")
    assert c.ctx.state.step == "board" and "next:another" in c.actions()
    out = c.press("next:another")
    assert c.ctx.state.step == "draft" and c.ctx.state.data["meeting"] is None
    assert c.ctx.state.data["type"] == "statusmode"  # the one after the announced status meeting
    assert datetime.fromisoformat(c.ctx.state.data["date"]).date() > status.starts_at.date()
    assert "Also planned" in repr(out.replies) and "Status meeting" in repr(out.replies)
    c.press("next:edit:type")
    c.press("next:type:bornesamtale")
    out = c.press("next:send")
    announce = next(ch for ch in out.changes if isinstance(ch, AnnounceMeeting))
    assert announce.meeting_id is None and announce.meeting_type == "bornesamtale" and announce.invited == (3,)
    assert [r.chat_id for r in out.replies if r.chat_id] == [300] and out.replies[-1].calendar is not None


def test_the_board_offers_each_other_meeting_of_the_series():
    status = MeetingView(2, "statusmode", NOW + timedelta(days=5), "Stedet", "planned", "ref-status", 0)
    talk = MeetingView(3, "bornesamtale", NOW + timedelta(days=3), None, "planned", None, 0)
    c = danish_chat(upcoming=status, coming=(talk, status), invited=PEOPLE[:2])
    out = c.command("next")
    assert "next:show:3" in c.actions() and "next:show:2" not in c.actions()
    assert "(not sent yet)" in repr(out.replies)
    c.ctx = replace(c.ctx, next_plan=replace(c.ctx.next_plan, upcoming=talk, invited=()))  # as the storage focuses it
    out = c.press("next:show:3")
    assert c.ctx.state.step == "draft" and c.ctx.state.data["meeting"] == 3 and c.ctx.state.data["type"] == "bornesamtale"
    forged = danish_chat(upcoming=status, coming=(talk, status), invited=PEOPLE[:2])
    forged.command("next")
    out = forged.press("next:show:99")  # not a meeting of this case: the storage kept the focus
    assert forged.ctx.state.step == "board" and "changed in the meantime" in repr(out.replies)


def test_the_coordinator_records_the_placement_and_an_overdue_first_network_meeting_is_said_plainly():
    from flows.outcome import RecordCaseDate

    c = danish_chat(history=())
    out = c.command("next")
    assert "next:edit:placed_on" in c.actions() and "placement date is not recorded yet" in repr(out.replies)
    c.press("next:edit:type")
    c.press("next:type:netvaerksmode")
    c.press("next:edit:placed_on")
    placed = (NOW - timedelta(days=37)).date()
    out = c.text(placed.isoformat())
    (change,) = out.changes
    assert change == RecordCaseDate(7, "placed_on", placed)
    shown = repr(out.replies)
    assert "{meeting} is {n} day overdue" in shown and "'n': 9" in shown
    assert c.ctx.state.step == "draft"
    suggested = datetime.fromisoformat(c.ctx.state.data["date"]).date()
    assert (suggested - NOW.date()).days <= 3  # the first possible weekday, with the lateness said


def test_a_placement_date_that_cannot_be_read_or_is_years_off_is_asked_again():
    c = danish_chat(history=())
    c.command("next")
    c.press("next:edit:placed_on")
    out = c.text("sometime last week")
    assert "couldn't read that as a date" in out.replies[0].parts[0].msgid and not out.changes
    out = c.text("2019-01-01")
    assert "more than a year" in out.replies[0].parts[0].msgid and not out.changes
    assert c.ctx.state.step == "placed_on"


def test_next_follows_the_interval_the_start_up_meeting_agreed():
    startup = case(model_id="startup")
    held = MeetingView(1, "meeting", NOW - timedelta(days=1), "Kontoret", "ended")
    c = Chat(ctx(person=coordinator(), coordinated_cases=(startup,),
                 next_plan=plan(case=startup, history=(held,), agreed_weeks=6)))
    out = c.command("next")
    days = (datetime.fromisoformat(c.ctx.state.data["date"]).date() - held.starts_at.date()).days
    assert 40 <= days <= 42 and "You agreed to follow up every {n} week." in repr(out.replies)
    c = Chat(ctx(person=coordinator(), coordinated_cases=(startup,), next_plan=plan(case=startup, history=(held,))))
    c.command("next")  # nothing agreed: the model's own four weeks
    days = (datetime.fromisoformat(c.ctx.state.data["date"]).date() - held.starts_at.date()).days
    assert 26 <= days <= 28


def test_closing_a_case_takes_every_announced_meeting_of_the_series_out_of_the_calendars():
    from flows.outcome import CancelMeeting, CloseCase

    status = MeetingView(2, "statusmode", NOW + timedelta(days=5), "Stedet", "planned", "ref-status", 0)
    talk = MeetingView(3, "bornesamtale", NOW + timedelta(days=3), None, "planned", "ref-talk", 1)
    later = MeetingView(4, "statusmode", NOW + timedelta(days=12), None, "planned", None, 0)  # never sent
    danish = case(model_id="danish_series", participant_chats=(200, 300, 500))
    c = Chat(ctx(person=coordinator(), coordinated_cases=(danish,),
                 next_plan=plan(case=danish, upcoming=talk, coming=(talk, status, later), invited=PEOPLE[1:2],
                                coming_invited=((3, (300,)), (2, (200, 300, 500))))))
    c.command("close")
    out = c.press("close:yes")
    assert [ch for ch in out.changes if isinstance(ch, CancelMeeting)] == [CancelMeeting(3), CancelMeeting(2)]
    assert any(isinstance(ch, CloseCase) for ch in out.changes)
    kim = [r for r in out.replies if r.chat_id == 300]
    assert [r.calendar.uid for r in kim] == ["ref-talk@meetbot", "ref-status@meetbot"]
    assert all(r.calendar.cancelled for r in kim)
    assert [r.calendar.uid for r in out.replies if r.chat_id == 200] == ["ref-status@meetbot"]


def test_a_coming_decision_is_recorded_and_the_talk_with_the_child_is_planned_before_it():
    from flows.outcome import RecordCaseDate

    talked = MeetingView(1, "bornesamtale", NOW - timedelta(days=20), "Stedet", "ended")
    c = danish_chat(history=(talked,))
    out = c.command("next")
    assert "next:edit:decision_on" in c.actions() and "If a decision is coming in the case" in repr(out.replies)
    c.press("next:edit:type")
    c.press("next:type:bornesamtale")
    c.press("next:edit:decision_on")
    decision = (NOW + timedelta(days=16)).date()
    out = c.text(decision.strftime("%d.%m."))  # a day without a year is the next such day: a decision is coming
    (change,) = out.changes
    assert change == RecordCaseDate(7, "decision_on", decision)
    shown = repr(out.replies)
    assert "Noted: a decision is due on {day}." in shown and "The model says: {meeting} {occasion}, by {due}." in shown
    suggested = datetime.fromisoformat(c.ctx.state.data["date"]).date()
    assert suggested <= decision and (decision - suggested).days <= 2  # by the day, or the Friday before a weekend

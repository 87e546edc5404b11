"""People without Telegram (flows.offline), without a database or Telegram:
added from /invite, marked present or absent, answering for an action,
named in the plan, their agreement recorded on paper and their copy of the
plan sent to the coordinator."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flows.context import Attendee, MeetingRun, PlanAnswer, PlanSnapshot, TaskView
from flows.offline import attendee
from flows.outcome import NO_CHAT, AddOfflineMember, CreateTask, RecordPaperAnswer, RemoveOfflineMember, outcome, reply
from bot.i18n import render
from flows.text import T
from tests.auxil.flowctx import NOW, Chat, case, coordinator, ctx
from tests.flows.test_running import RunChat

ANNA = Attendee(2, 200, "Anna", "family")
GRANDMA = attendee(17, "Mormor <Aino>", "family", None)
KIM = attendee(18, "Kim", "child", None)
LENA = attendee(19, "Lena Berg", "professional", "Norrby skola")


def text_of(out) -> str:
    return "\n".join(render(part, "en", plain=True) for r in out.replies for part in r.parts)


def invite_chat(offline=()) -> Chat:
    the_case = case(offline=tuple(offline))
    return Chat(ctx(person=coordinator(), coordinated_cases=(the_case,), chat_id=900))


def test_they_have_ids_no_person_can_have_and_nothing_is_sent_to_them():
    assert GRANDMA.person_id == -17 and GRANDMA.without_telegram and not ANNA.without_telegram
    out = outcome(None, reply(T("to her"), chat_id=GRANDMA.chat_id), reply(T("to Anna"), chat_id=200), reply(T("here")))
    assert [r.chat_id for r in out.replies] == [200, None]
    assert GRANDMA.chat_id == NO_CHAT


def test_the_coordinator_adds_someone_from_invite_with_name_role_and_organisation():
    chat = invite_chat()
    out = chat.command("invite")
    assert chat.ctx.state.flow == "offline" and "Nobody has been added without Telegram yet" in text_of(out)
    chat.press("offline:add")
    out = chat.text("x" * 5000)  # a 5,000-character name: refused with a clear reply, nothing saved
    assert "at most 60 characters" in text_of(out) and not out.changes and chat.ctx.state.step == "name"
    out = chat.text("  Lena   <b>Berg</b>\n ")  # cleaned like a typed name; the HTML is kept as text and escaped when shown
    assert chat.ctx.state.step == "role" and "Lena <b>Berg</b>" == chat.ctx.state.data["name"]
    assert "Lena &lt;b&gt;Berg&lt;/b&gt;" in render(out.replies[0].parts[0], "en")
    out = chat.text("professional")  # text where a button is expected
    assert "use the buttons" in text_of(out) and not out.changes
    out = chat.press("offline:role:professional")
    assert "organisation" in text_of(out)
    out = chat.text("Norrby skola")
    assert out.changes == (AddOfflineMember(7, "Lena <b>Berg</b>", "professional", "Norrby skola"),)
    assert chat.ctx.state.flow is None


def test_the_organisation_can_be_skipped_and_a_forged_role_changes_nothing():
    chat = invite_chat()
    chat.command("invite")
    chat.press("offline:add")
    chat.text("Kim")
    assert chat.press("offline:role:king").changes == () and chat.ctx.state.step == "role"
    chat.press("offline:role:child")
    out = chat.press("offline:skip")
    assert out.changes == (AddOfflineMember(7, "Kim", "child", None),)


def test_the_coordinator_removes_someone_and_only_from_their_own_case():
    chat = invite_chat([GRANDMA, KIM])
    out = chat.command("invite")
    assert "Mormor <Aino>" in text_of(out) and "offline:rm:17" in repr(out.replies[-1].buttons)
    assert chat.press("offline:rm:99").changes == ()  # not in this case
    chat.press("offline:rm:18")
    out = chat.press("offline:rmyes")
    assert out.changes == (RemoveOfflineMember(7, 18),)
    other = Chat(ctx(person=coordinator(id=5), coordinated_cases=(), chat_id=500))
    other.ctx = replace(other.ctx, state=chat.ctx.state.__class__("offline", "menu", {"case": 7}))
    assert other.press("offline:rm:17").changes == ()


def run_chat(people, **progress) -> RunChat:
    the_case = case()
    run = MeetingRun(the_case, the_case.meetings[0], 900, dict(progress), people)
    return RunChat(ctx(person=coordinator(), coordinated_cases=(the_case,), meeting_run=run, chat_id=900))


def test_they_are_marked_present_and_a_child_without_telegram_absent_needs_a_reason():
    chat = run_chat((ANNA, GRANDMA, KIM))
    out = chat.command("meeting")
    assert "meeting:att:-17" in repr(out.replies[0].buttons) and "Mormor <Aino>" in text_of(out)
    chat.press("meeting:att:2")
    chat.press("meeting:att:-17")
    assert chat.ctx.meeting_run.progress["present"] == [2, -17]
    assert chat.press("meeting:att:-99").changes == ()  # nobody in this case
    chat.press("meeting:start")
    assert chat.ctx.state.step == "reason" and "Kim is not here" in text_of(chat.last)
    out = chat.text("Kim är på skolresa")
    assert out.changes[0].progress["absent_reason"] == "Kim är på skolresa"
    assert {r.chat_id for r in out.replies if r.chat_id} == {200}  # nothing to the grandmother's "chat"


def test_someone_without_telegram_can_answer_for_an_action():
    chat = run_chat((ANNA, GRANDMA), present=[2, -17], step=0)
    chat.ctx = replace(chat.ctx, meeting_run=replace(chat.ctx.meeting_run, meeting=replace(chat.ctx.meeting_run.meeting, status="running")))
    chat.command("meeting")
    chat.press("meeting:task")
    chat.text("Hämta Kim på fredagar")
    out = chat.press("task:own:-17")
    assert chat.ctx.state.data["owners"] == [-17] and "'mark': '✅', 'name': 'Mormor <Aino>'" in repr(out.replies[0].buttons)
    chat.press("task:owners")
    out = chat.press("task:due:7")
    (change,) = [c for c in out.changes if isinstance(c, CreateTask)]
    assert change.owner_ids == (-17,) and not [r for r in out.replies if r.chat_id not in (None,)]


def test_the_coordinator_is_reminded_in_their_place():
    from flows.tasks import reminder_for_offline

    task = TaskView("t1", 7, "Family A", "Europe/Stockholm", "Hämta Kim", NOW, "open", ((-17, "Mormor <Aino>", True),))
    message = reminder_for_offline(task, ["Mormor <Aino>"], 900, today=False)
    text = "\n".join(render(p, "sv") for p in message.parts)
    assert message.chat_id == 900 and "Mormor &lt;Aino&gt;" in text and "deltar utan Telegram" in text


def _plan(**overrides) -> PlanSnapshot:
    the_case = case(model_id="sip_follow_up", offline=(GRANDMA,))
    fields = dict(ref="planref", number=1, case=the_case, created_at=NOW, content={"present": [2, -17], "goals": []},
                  people=(ANNA, GRANDMA, KIM), child_agrees=False, coordinator_chat_id=900, coordinator_name="Cia")
    return PlanSnapshot(**{**fields, **overrides})


def test_everyone_gets_the_plan_and_the_coordinator_gets_the_copy_to_hand_over():
    from flows import plan as plan_flow

    chat = Chat(ctx(person=coordinator(), coordinated_cases=(_plan().case,)))
    replies = plan_flow.sent_to_everyone(chat.ctx, _plan(), T("Here is the plan"))
    to_anna = [r for r in replies if r.chat_id == 200]
    copies = [r for r in replies if r.chat_id == 900]
    assert len(to_anna) == 1 and to_anna[0].protect_content
    assert len(copies) == 2 and all(r.document.ref == "planref" for r in copies)  # the grandmother's and Kim's
    said = "\n".join(render(p, "en") for r in copies for p in r.parts)
    assert "<b>Mormor &lt;Aino&gt;</b>'s copy" in said and "<b>Kim</b>'s copy" in said
    assert "record it under /plan" in said  # the grandmother is asked to agree, on paper
    assert not [r for r in replies if r.chat_id == NO_CHAT]


def test_the_coordinator_records_agreement_on_paper_with_its_date():
    plan = _plan()
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(plan.case,), plan=plan, chat_id=900))
    out = chat.command("plan")
    assert "plan:paper" in repr(out.replies[0].buttons)
    assert "Mormor <Aino>: has not answered yet" in text_of(out)
    out = chat.press("plan:paper")
    assert "plan:pp:17" in repr(out.replies[0].buttons)
    assert chat.press("plan:pp:2").changes == ()  # Anna answers for herself, in the bot
    chat.press("plan:pp:17")
    chat.press("plan:pa:agree")
    out = chat.text("tomorrow-ish")
    assert "couldn't read that as a date" in text_of(out) and not out.changes
    out = chat.text("2027-01-01")  # not yet
    assert "has not come yet" in text_of(out) and not out.changes
    out = chat.text("2026-11-20")
    (change,) = out.changes
    assert change.ref == "planref" and change.member_id == 17 and change.answer == "agree"
    assert change.signed_on.date() == date(2026, 11, 20)
    signed = _plan(answers=(PlanAnswer(-17, "agree", None, NOW, change.signed_on),))
    shown = Chat(ctx(person=coordinator(), coordinated_cases=(plan.case,), plan=signed)).command("plan")
    assert "Mormor <Aino>: agreed on paper (" in text_of(shown) and "2026" in text_of(shown)
    assert "plan:paper" in repr(shown.replies[0].buttons)  # it can be corrected


def test_the_coordinator_records_that_someone_did_not_agree_with_a_note():
    plan = _plan()
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(plan.case,), plan=plan, chat_id=900))
    chat.command("plan")
    chat.press("plan:paper")
    chat.press("plan:pp:17")
    chat.press("plan:pa:disagree")
    out = chat.text("Vill inte ha " * 380)
    (change,) = out.changes
    assert change == RecordPaperAnswer("planref", 17, "disagree", note=("Vill inte ha " * 380).strip())


def test_nobody_else_records_a_paper_answer():
    from flows.context import PersonView

    plan = _plan()
    anna = Chat(ctx(person=PersonView(2, "Anna", False, "en"), plan=plan, chat_id=200))
    anna.ctx = replace(anna.ctx, state=anna.ctx.state.__class__("plan", "paper", {"case": 7, "ref": "planref"}))
    assert anna.press("plan:pp:17").changes == ()
    # Her own answer button answers for her, never for the grandmother.
    from flows.outcome import AnswerPlan

    assert anna.press_unstamped("plan:agree:planref").changes == (AnswerPlan("planref", "agree"),)


# ---- an action says which goal it serves --------------------------------------------------


def test_an_action_added_at_a_step_with_goals_names_the_goal_it_serves_in_the_plan():
    from flows import plan as plan_flow
    from flows.outcome import UpdateMeeting
    from tests.flows.test_plan_flows import sip_meeting_at

    chat = sip_meeting_at("dialogue")
    chat.press("meeting:plan:goals")
    chat.press("plan:addgoal")
    chat.text("Kim trivs i skolan")
    chat.press("plan:now:3")
    chat.press("plan:wanted:8")
    chat.press("plan:back")
    chat.press("meeting:task")
    chat.text("Boka ett möte med skolan")
    chat.press("task:own:4")
    out = chat.press("task:owners")
    assert "Which goal does it serve?" in text_of(out) and "task:goal:0" in repr(out.replies[0].buttons)
    out = chat.text("the first one")  # text where a button is expected: asked again, nothing lost
    assert "Which goal does it serve?" in text_of(out) and chat.ctx.state.step == "goal"
    assert chat.press("task:goal:5").changes == ()  # no such goal
    chat.press("task:goal:0")
    out = chat.press("task:due:7")
    (task,) = [c for c in out.changes if isinstance(c, CreateTask)]
    (progress,) = [c.progress for c in out.changes if isinstance(c, UpdateMeeting)]
    key = progress["plan"]["goals"][0]["key"]
    assert progress["plan"]["action_goals"] == {task.ref: key}
    view = TaskView(task.ref, 7, "Family A", "Europe/Stockholm", task.what, None, "open", ((2, "Anna", True),))
    plan = _plan(content={"goals": progress["plan"]["goals"], "action_goals": {task.ref: key}}, actions=(view,))
    line = render(plan_flow.action_line(plan, view), "sv")
    assert "Boka ett möte med skolan" in line and "för målet: Kim trivs i skolan" in line


def test_without_goals_the_question_is_not_asked():
    from tests.flows.test_plan_flows import sip_meeting_at

    chat = sip_meeting_at("dialogue")
    chat.press("meeting:task")
    chat.text("Boka ett möte")
    chat.press("task:own:4")
    out = chat.press("task:owners")
    assert "By when?" in text_of(out)


def test_the_roles_offered_are_the_models_own():
    chat = invite_chat()  # the systemic meeting: a reflecting team member can be added too
    chat.command("invite")
    chat.press("offline:add")
    chat.text("Tove")
    assert "offline:role:reflecting_team" in chat.actions()
    chat = Chat(replace(invite_chat().ctx, coordinated_cases=(case(model_id="startup"),)))
    chat.command("invite")
    chat.press("offline:add")
    chat.text("Tove")
    assert "offline:role:reflecting_team" not in chat.actions() and "offline:role:professional" in chat.actions()
    assert chat.press("offline:role:reflecting_team").changes == () and chat.ctx.state.step == "role"

"""Writing the plan during a meeting, sending it, and agreeing to it: without a database or Telegram."""

from __future__ import annotations

from dataclasses import replace

from flows.context import AnswerView, Attendee, PlanAnswer, PlanViewEntry
from flows.outcome import AddPlanView, AnswerPlan, CreatePlanVersion, SetOrganisation
from tests.auxil.flowctx import NOW, Chat, case, ctx
from tests.auxil.flowctx import coordinator as a_coordinator
from tests.flows.test_running import RunChat, run_chat

PEOPLE = (
    Attendee(2, 200, "Anna", "family"),
    Attendee(3, 300, "Kim", "child", (("child_since_last", AnswerView("text", {"text": "I like the new school"}, "meeting")),)),
    Attendee(4, 400, "Lars", "network"),
    Attendee(5, 500, "Aino", "professional"),
)


class PlanChat(RunChat):
    """Also keeps the views and organisations, as the storage side would."""

    def _run(self, event):
        out = super()._run(event)
        run = self.ctx.meeting_run
        for change in out.changes:
            if isinstance(change, AddPlanView):
                who = next(p for p in run.people if p.person_id == change.person_id)
                run = replace(run, views=(*run.views, PlanViewEntry(who.person_id, who.name, who.role, change.text, change.source, NOW)))
            if isinstance(change, SetOrganisation):
                run = replace(run, people=tuple(replace(p, organisation=change.organisation) if p.person_id == change.person_id else p
                                                for p in run.people))
        self.ctx = replace(self.ctx, meeting_run=run)
        return out


def sip_meeting_at(step_id: str) -> PlanChat:
    chat = run_chat(model="sip_follow_up", people=PEOPLE, present=[2, 3, 4])
    chat.__class__ = PlanChat
    chat.command("meeting")
    chat.press("meeting:start")
    steps = [s.id for s in chat.ctx.models.get("sip_follow_up").meeting_type("meeting").steps]
    for _ in range(steps.index(step_id)):
        chat.press("meeting:next")
    return chat


def test_goals_with_sub_goals_and_scales_and_the_overall_responsibility_go_into_the_draft():
    chat = sip_meeting_at("dialogue")
    assert {"meeting:plan:goals", "meeting:plan:responsibility", "meeting:plan:evaluation"} <= set(chat.actions())
    chat.press("meeting:plan:goals")
    chat.press("plan:addgoal")
    long_goal = "Kim goes to school every day " + "and feels safe there " * 230  # about 5,000 characters: kept whole
    chat.text(long_goal + "\n- mornings without a fight\n- a quiet place for homework")
    assert "from 0 to 10" in repr(chat.last.replies)
    chat.press("plan:now:3")
    out = chat.press("plan:wanted:8")
    goal = out.changes[-1].progress["plan"]["goals"][0]
    assert goal["text"] == long_goal.strip() and goal["sub"] == ["mornings without a fight", "a quiet place for homework"]
    assert (goal["now"], goal["wanted"]) == (3, 8)
    chat.press("plan:back")
    chat.press("meeting:plan:responsibility")
    chat.press("plan:resp:5")
    out = chat.text("Child psychiatry <BUP> Northtown")
    assert SetOrganisation(7, 5, "Child psychiatry <BUP> Northtown") in out.changes
    assert chat.ctx.meeting_run.progress["plan"]["responsibility"] == {"person_id": 5, "organisation": "Child psychiatry <BUP> Northtown"}
    assert chat.ctx.state.flow == "meeting"  # back at the control message


def test_only_the_step_that_writes_a_part_offers_it_and_others_cannot_press_it():
    chat = sip_meeting_at("questions")
    assert not [a for a in chat.actions() if a.startswith("meeting:plan:")]
    chat.press("meeting:plan:goals")  # a forged press at the wrong step
    assert chat.ctx.state.flow == "meeting" and "plan" not in chat.ctx.meeting_run.progress
    anna = replace(chat.ctx, person=replace(a_coordinator(), id=2, is_coordinator=False))
    assert not [c for c in Chat(anna).press("meeting:plan:goals").changes]


def test_views_are_added_verbatim_never_overwritten_and_everyone_gets_the_plan_with_agreement_buttons():
    chat = sip_meeting_at("summary")
    chat.press("meeting:plan:views")
    chat.press("plan:view:2")
    chat.text("  We want   the home visits\nto go on <b>  ")
    chat.press("meeting:plan:views")
    chat.press("plan:view:2")
    chat.text("And more time with grandma")
    assert [v.text for v in chat.ctx.meeting_run.views] == ["We want   the home visits\nto go on <b>", "And more time with grandma"]
    chat.press("meeting:end")
    out = chat.press("meeting:endyes")
    version = next(c for c in out.changes if isinstance(c, CreatePlanVersion))
    assert version.content["present"] == [2, 3, 4]
    to = {r.chat_id: r for r in out.replies if r.document is not None}
    assert set(to) == {None, 200, 300, 400, 500}  # the coordinator's copy, and Aino who was absent
    assert all(r.protect_content and r.document.ref == version.ref for r in to.values())
    buttons = {chat_id: [b.action for row in r.buttons for b in row] for chat_id, r in to.items()}
    assert buttons[200] == [f"plan:agree:{version.ref}", f"plan:no:{version.ref}"]  # a guardian
    assert buttons[300] == [f"plan:agree:{version.ref}", f"plan:no:{version.ref}"]  # the young person: the SIP model asks
    assert buttons[400] == [f"plan:read:{version.ref}"]
    assert "And more time with grandma" in repr(to[400].parts)


def test_the_child_may_bring_their_own_answer_into_the_plan():
    chat = sip_meeting_at("summary")
    offer = next(r for r in chat.last.replies if r.chat_id == 300 and r.buttons)
    action = offer.buttons[0][0].action
    assert action == f"plan:own:{chat.ctx.meeting_run.meeting.id}:child_since_last"
    kim = Chat(replace(chat.ctx, person=replace(a_coordinator(), id=3, is_coordinator=False), state=chat.ctx.state))
    out = kim.press_unstamped(action)
    assert out.changes == (AddPlanView(1, 3, "I like the new school", source="own"),)
    lars = Chat(replace(chat.ctx, person=replace(a_coordinator(), id=4, is_coordinator=False)))
    assert lars.press_unstamped(action).changes == ()


def _snapshot(**overrides):
    from flows.context import PlanSnapshot, TaskView

    the_case = case(model_id="sip_follow_up")
    task = TaskView("t1", 7, "Family A", "Europe/Stockholm", "Book a school meeting", None, "open", ((4, "Lars", True),))
    fields = dict(ref="planref", number=2, case=the_case, created_at=NOW, content={"present": [2], "goals": []},
                  people=PEOPLE, child_agrees=True, actions=(task,), coordinator_chat_id=900)
    return PlanSnapshot(**{**fields, **overrides})


def _as(person_id, plan, **kw):
    from flows.context import PersonView

    return Chat(ctx(person=PersonView(person_id, "x", False, "en"), plan=plan, chat_id=person_id * 100, **kw))


def test_agreement_is_asked_of_guardians_the_young_person_and_action_owners_and_only_for_oneself():
    plan = _snapshot()
    assert [p.name for p in plan.asked_to_agree()] == ["Anna", "Kim", "Lars"]  # Lars answers for an action
    anna = _as(2, plan)
    out = anna.press_unstamped("plan:agree:planref")
    assert out.changes == (AnswerPlan("planref", "agree"),) and "agrees" in repr([r for r in out.replies if r.chat_id == 900])
    aino = _as(5, plan)  # not asked: her agreement button does nothing
    assert aino.press_unstamped("plan:agree:planref").changes == ()
    outsider = _as(9, plan)  # not in the case at all
    assert outsider.press_unstamped("plan:read:planref").changes == ()
    kim = _as(3, plan)
    kim.press_unstamped("plan:no:planref")
    out = kim.text("I want to live with dad " * 200)
    assert out.changes[0].answer == "disagree" and out.changes[0].note == ("I want to live with dad " * 200).strip()


def test_an_answer_to_an_older_version_or_a_second_answer_changes_nothing():
    assert _as(2, _snapshot(latest=False)).press_unstamped("plan:agree:planref").changes == ()
    answered = _snapshot(answers=(PlanAnswer(2, "agree", None, NOW),))
    assert _as(2, answered).press_unstamped("plan:no:planref").changes == ()


def test_plan_shows_the_coordinator_who_agreed_who_did_not_and_who_has_not_answered():
    plan = _snapshot(answers=(PlanAnswer(2, "agree", None, NOW), PlanAnswer(3, "disagree", "Too many meetings", NOW)))
    chat = Chat(ctx(person=a_coordinator(), coordinated_cases=(plan.case,), plan=plan))
    out = chat.command("plan")
    text = repr(out.replies[0].parts)
    assert "agrees" in text and "Too many meetings" in text and "has not answered yet" in text
    assert out.replies[0].document.ref == "planref" and out.replies[0].protect_content
    out = chat.press("plan:remind")
    assert [r.chat_id for r in out.replies if r.chat_id] == [400]  # Lars has not answered


# ---- consent to exchange information (the SIP model) ------------------------------------------


def _consent_ctx(person_id, consents=()):
    from flows.context import ConsentContext, PersonView

    people = (replace(PEOPLE[0], organisation=None), PEOPLE[1], PEOPLE[2], replace(PEOPLE[3], organisation="BUP Norrby"))
    here = ConsentContext(case(model_id="sip_follow_up"), people, tuple(consents), 900)
    return Chat(ctx(person=PersonView(person_id, "x", False, "en"), consent=here))


def test_naming_an_organisation_asks_the_guardians_for_consent_once_and_again_for_a_new_one():
    chat = sip_meeting_at("dialogue")
    chat.press("meeting:plan:orgs")
    chat.press("plan:org:5")
    out = chat.text("BUP Norrby")
    asked = [r for r in out.replies if r.chat_id == 200 and r.buttons]
    assert len(asked) == 1 and "BUP Norrby" in repr(asked[0].parts) and asked[0].protect_content
    assert not [r for r in out.replies if r.chat_id in (300, 400, 500)]  # the guardians only
    assert chat.ctx.meeting_run.progress["consent_asked"]
    out = chat.press("plan:back")
    chat.press("meeting:plan:goals")  # the same organisations: not asked again
    assert not [r for r in chat.last.replies if r.chat_id == 200]


def test_a_guardian_consents_to_the_organisations_shown_and_can_withdraw_it():
    from flows.consent import digest
    from flows.context import ConsentView
    from flows.outcome import GiveConsent

    code = digest(("BUP Norrby",))
    out = _consent_ctx(2).press_unstamped(f"consent:yes:7:{code}")
    assert out.changes == (GiveConsent(7, ("BUP Norrby",), "given"),)
    assert "consents" in repr([r for r in out.replies if r.chat_id == 900])
    stale = _consent_ctx(2).press_unstamped("consent:yes:7:0123456789")  # the organisations changed since
    assert stale.changes == () and "BUP Norrby" in repr(stale.replies)
    assert _consent_ctx(5).press_unstamped(f"consent:yes:7:{code}").changes == ()  # not a guardian
    assert _consent_ctx(2).press_unstamped(f"consent:yes:8:{code}").changes == ()  # another case
    given = (ConsentView(2, ("BUP Norrby",), "given", NOW),)
    out = _consent_ctx(2, given).press_unstamped("consent:withdraw:7")
    assert out.changes == (GiveConsent(7, ("BUP Norrby",), "withdrawn"),)
    assert "may not exchange information" in repr(out.replies) and "withdrawn" in repr([r for r in out.replies if r.chat_id == 900])
    assert _consent_ctx(3, given).press_unstamped("consent:withdraw:7").changes == ()  # only one's own


def test_the_coordinator_changes_an_agreed_plan_after_the_meeting_and_everyone_is_asked_again():
    chat = sip_meeting_at("summary")
    chat.press("meeting:end")
    out = chat.press("meeting:endyes")
    version = next(c for c in out.changes if isinstance(c, CreatePlanVersion))
    run = chat.ctx.meeting_run
    plan = _snapshot(ref=version.ref, number=1, content=version.content, meeting=run.meeting,
                     answers=(PlanAnswer(2, "agree", None, NOW),))
    chat.ctx = replace(chat.ctx, plan=plan)
    out = chat.command("plan")
    assert "plan:amend" in chat.actions()
    out = chat.press("plan:amend")
    assert out.replies[0].parts[0].params["next"] == 2 and "plan:part:situation" in chat.actions() and "plan:part:goals" in chat.actions()
    chat.press("plan:part:situation")
    out = chat.text("Kim bor nu hos pappa halva veckan.")
    assert out.changes[0].progress["plan"]["situation"] == "Kim bor nu hos pappa halva veckan."
    assert chat.ctx.state.step == "amend"  # back at the list of what to change
    out = chat.press("plan:send")
    new = next(c for c in out.changes if isinstance(c, CreatePlanVersion))
    assert new.ref != version.ref and new.content["situation"] == "Kim bor nu hos pappa halva veckan."
    anna = next(r for r in out.replies if r.chat_id == 200)
    assert [b.action for row in anna.buttons for b in row] == [f"plan:agree:{new.ref}", f"plan:no:{new.ref}"]  # asked again


def test_nobody_but_the_coordinator_changes_the_plan():
    plan = _snapshot(meeting=case(model_id="sip_follow_up").meetings[0])
    anna = _as(2, plan, state=__import__("flows.outcome", fromlist=["State"]).State("plan", "shown", {"case": 7, "meeting": 1}))
    assert anna.press("plan:amend").changes == () and anna.ctx.state.step != "amend"


def test_text_or_a_sticker_where_a_button_is_expected_asks_again_and_keeps_the_draft():
    from flows.events import OtherMessage

    chat = sip_meeting_at("dialogue")
    chat.press("meeting:plan:goals")
    out = chat.text("<b>hello</b>")
    assert out.replies[0].parts[0].msgid == "Please use the buttons under the message." and "plan:addgoal" in chat.actions()
    out = chat._run(OtherMessage("sticker"))
    assert "plan:addgoal" in chat.actions() and chat.ctx.state.step == "goals"


def test_at_a_follow_up_open_actions_from_last_time_are_carried_over_done_or_dropped():
    from flows.outcome import SetTaskStatus

    chat = sip_meeting_at("dialogue")
    previous = _snapshot(content={"goals": [{"key": "g1", "text": "Calmer mornings", "now": 3, "wanted": 8, "status": "new"}]})
    chat.ctx = replace(chat.ctx, meeting_run=replace(chat.ctx.meeting_run, previous_plan=previous, progress={
        k: v for k, v in chat.ctx.meeting_run.progress.items() if k != "plan"}))
    out = chat.press("meeting:plan:goals")
    assert "Calmer mornings" in repr(out.replies)  # the goal carried over from the last plan
    assert "plan:actions" in chat.actions()
    chat.press("plan:actions")
    assert "plan:act:t1:done" in chat.actions()
    out = chat.press("plan:act:t1:done")
    assert out.changes == (SetTaskStatus("t1", "done"),)
    assert chat.ctx.state.step == "goals"  # nothing more to settle
    assert chat.press("plan:act:t1:cancelled").changes == ()  # only the actions offered

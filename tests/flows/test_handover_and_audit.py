"""/handover (hand a case over, or add a second coordinator) and /audit (a case's trail), without a database."""

from dataclasses import replace
from datetime import timedelta

from flows import router
from flows.context import AuditLine, AuditTrail, Colleague, PersonView
from flows.events import ButtonPress
from flows.outcome import AddCaseCoordinator, HandOverCase
from tests.auxil.flowctx import NOW, Chat, case, coordinator, ctx

CIA, DAN, EVA = Colleague(1, "Cia", 900), Colleague(2, "Dan", 901), Colleague(3, "Eva", 902)


def family_case(**overrides):
    return case(**{"coordinators": ((1, "Cia"),), "participant_chats": (500, 501), **overrides})


def test_handing_over_asks_whom_confirms_and_tells_everyone():
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(family_case(),), colleagues=(CIA, DAN, EVA)))
    chat.command("handover")
    assert chat.actions() == ["handover:mode:give", "handover:mode:add"]
    chat.press("handover:mode:give")
    assert chat.actions() == ["handover:to:2", "handover:to:3"]  # not herself
    chat.press("handover:to:3")
    assert chat.ctx.state.step == "confirm" and chat.actions() == ["handover:yes", "handover:no"]
    out = chat.press("handover:yes")
    assert out.changes == (HandOverCase(7, 3),)
    told = {r.chat_id: r.parts[0] for r in out.replies}
    assert set(told) == {None, 902, 500, 501}  # Cia, Eva, and both family members
    assert told[500].msgid.startswith("From now on <b>{name}</b> is your coordinator") and told[500].params["before"] == "Cia"
    assert "Eva" in told[None].params["name"] and told[902].params["name"] == "Cia"


def test_adding_a_second_coordinator_keeps_the_first():
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(family_case(),), colleagues=(CIA, DAN)))
    chat.command("handover")
    chat.press("handover:mode:add")
    chat.press("handover:to:2")
    out = chat.press("handover:yes")
    assert out.changes == (AddCaseCoordinator(7, 2),)
    family = next(r.parts[0] for r in out.replies if r.chat_id == 500)
    assert "together with" in family.msgid and family.params == {"name": "Dan", "case": "Family A", "lead": "Cia"}


def test_no_is_no_and_text_asks_for_the_buttons():
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(family_case(),), colleagues=(CIA, DAN)))
    chat.command("handover")
    chat.press("handover:mode:give")
    assert "Please choose with the buttons" in chat.text("Dan please").replies[0].parts[0].msgid
    assert chat.actions() == ["handover:to:2"]
    chat.press("handover:to:2")
    assert chat.press("handover:no").changes == ()


def test_without_another_coordinator_there_is_nobody_to_choose():
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(family_case(),), colleagues=(CIA,)))
    chat.command("handover")
    out = chat.press("handover:mode:give")
    assert out.changes == () and "no other coordinator" in out.replies[0].parts[0].msgid


def test_forged_handover_buttons_change_nothing():
    # A family member (no coordinator) with a forged press in someone else's flow state.
    anna = PersonView(5, "Anna", False, "en")
    forged = ctx(person=anna, colleagues=(CIA, DAN), state=replace(ctx().state, flow="handover", step="confirm",
                                                                   data={"case": 7, "mode": "give", "to": 2}))
    out = router.handle(ButtonPress(router.stamp(0, "handover:yes"), 1), forged)
    assert out.changes == ()
    # A coordinator, but not of this case: the case is not theirs.
    dan = coordinator(id=2, name="Dan")
    out = router.handle(ButtonPress(router.stamp(0, "handover:yes"), 1), replace(forged, person=dan))
    assert out.changes == ()
    # Someone no longer a coordinator (removed, or handed over) whose old state names the case.
    removed = PersonView(1, "Cia", False, "en")
    out = router.handle(ButtonPress(router.stamp(0, "handover:yes"), 1),
                        replace(forged, person=removed, coordinated_cases=(family_case(),)))
    assert out.changes == ()
    # The chosen one is no longer a coordinator when it is confirmed.
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(family_case(),), colleagues=(CIA, DAN)))
    chat.command("handover")
    chat.press("handover:mode:give")
    chat.press("handover:to:2")
    chat.ctx = replace(chat.ctx, colleagues=(CIA,))
    out = chat.press("handover:yes")
    assert out.changes == () and "cannot be chosen any more" in out.replies[0].parts[0].msgid


def test_a_second_coordinator_has_the_same_rights():
    shared = case(coordinator_id=1, coordinators=((1, "Cia"), (2, "Dan")))
    from flows.access import may
    assert may(coordinator(id=2), "run_meeting", shared) and may(coordinator(id=2), "view_audit", shared)
    assert not may(coordinator(id=3), "run_meeting", shared)
    assert not may(PersonView(2, "Dan", False, "en"), "run_meeting", shared)  # removed: no rights


def trail(n: int) -> AuditTrail:
    lines = [AuditLine(NOW, "created_case", "Cia"), AuditLine(NOW, "joined", "Anna", role="family"),
             AuditLine(NOW, "viewed_digest", "Cia", meeting_at=NOW + timedelta(days=3)),
             AuditLine(NOW, "handed_over", "Cia", other="Eva"), AuditLine(NOW, "answered_invitation", None, response="no"),
             AuditLine(NOW, "coordinator_removed", None, by="operator", other="Cia"),
             AuditLine(NOW, "something_new", "Eva")]
    lines += [AuditLine(NOW + timedelta(minutes=i), "task_accept", "Anna") for i in range(n - len(lines))]
    return AuditTrail(family_case(), tuple(lines))


def test_audit_shows_the_trail_newest_last_in_pages():
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(family_case(),), audit_trail=trail(45)))
    out = chat.command("audit")
    parts = out.replies[0].parts
    assert parts[1].params == {"n": 45, "page": 3, "pages": 3}  # the newest page first
    shown = parts[2].params["lines"].items
    assert len(shown) == 5 and all(line.params["what"].msgid == "took on a task" for line in shown)
    assert chat.actions() == ["audit:page:1"]
    out = chat.press("audit:page:0")
    assert out.replies[0].edit_message_id == 55  # the same message, turned to another page
    first = out.replies[0].parts[2].params["lines"].items
    whats = [line.params["what"] for line in first[:7]]
    assert whats[0].msgid == "created the case"
    assert whats[1].params["role"].msgid == "family member"
    assert whats[3].params["other"] == "Eva"
    assert first[4].params["who"].msgid == "someone since erased" and whats[4].params["response"].msgid == "not coming"
    assert first[5].params["who"].msgid == "the operator"
    assert whats[6].msgid == "made a change"  # an action this version does not know yet
    assert chat.actions() == ["audit:page:1"]


def test_audit_of_a_short_trail_has_no_pages():
    out = Chat(ctx(person=coordinator(), coordinated_cases=(family_case(),), audit_trail=trail(7))).command("audit")
    assert len(out.replies[0].parts) == 2 and out.replies[0].buttons == () and out.state.flow is None


def test_audit_is_refused_to_everyone_else():
    for person in (None, PersonView(5, "Anna", False, "en")):
        out = Chat(ctx(person=person)).command("audit")
        assert out.changes == () and out.replies[0].parts[0].msgid == "Only a case's coordinators can see its trail."
    # A coordinator of several cases chooses; a case not theirs is never loaded (the press does nothing).
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(family_case(), case(id=8, pseudonym="Family B"))))
    chat.command("audit")
    assert chat.actions() == ["audit:case:7", "audit:case:8"]
    forged = chat.press("audit:case:99")
    assert forged.replies == () and forged.toast.msgid == "This button does not work here."


def test_every_coordinator_of_the_case_hears_what_its_lead_hears():
    from flows import plan as plan_flow
    from flows.context import PlanSnapshot
    from flows.text import T
    from tests.auxil.flowctx import invite

    # Someone joins: the lead (900) and the coordinator beside them (901) are told.
    chat = Chat(ctx(invite=invite(other_coordinator_chats=(901,))))
    chat.command("start", "sometoken1234567890")
    chat.press("join:agree")
    chat.press("join:name:telegram")
    out = chat.press("join:role:yes")
    assert sorted(r.chat_id for r in out.replies if r.chat_id) == [900, 901]

    # The plan: the lead sends it and sees it in their own reply; the one beside them gets a copy.
    shared = family_case(coordinators=((1, "Cia"), (2, "Dan")))
    plan = PlanSnapshot(ref="planref", number=1, case=shared, created_at=NOW, content={}, people=(),
                        coordinator_chat_id=900, other_coordinator_chats=(901,))
    copies = [r for r in plan_flow.sent_to_everyone(ctx(person=coordinator(), chat_id=900), plan, T("Here is the plan"))
              if r.chat_id in (900, 901)]
    assert [r.chat_id for r in copies] == [901] and copies[0].document.ref == "planref"
    # Sent by the one beside the lead, the lead gets the copy.
    copies = [r for r in plan_flow.sent_to_everyone(ctx(person=coordinator(id=2), chat_id=901), plan, T("Here is the plan"))
              if r.chat_id in (900, 901)]
    assert [r.chat_id for r in copies] == [900]

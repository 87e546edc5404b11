"""The family's proposals of whom to invite (flows.proposals): asked when a
guardian or the child joins, each one a row the coordinator works through,
and the model field that turns it on, refused with file and field when wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from flows.context import MeetingView, Membership, ProposalList, ProposalView
from flows.meeting_models import BUILTIN_DIR, ModelError, builtin_models, load_model
from flows.outcome import AddProposal, CreateInvite, JoinCase, RevokeInvite, SetProposalStatus, State
from flows.text import T
from tests.auxil.flowctx import NOW, Chat, case, coordinator, ctx, invite

FGC = "family_group_conference"
MEETINGS = (MeetingView(1, "meeting", NOW + timedelta(days=10), "Town hall", "planned"),)


def msgids(outcome) -> list[str]:
    found = []

    def walk(value):
        if isinstance(value, T):
            found.append(value.msgid)
            for param in value.params.values():
                walk(param)

    for r in outcome.replies:
        for part in r.parts:
            walk(part)
    return found


def said(outcome) -> str:
    return " | ".join(msgids(outcome))


def params(outcome) -> list[dict]:
    return [part.params for r in outcome.replies for part in r.parts if isinstance(part, T)]


def buttons(outcome) -> list[str]:
    return [b.action for r in outcome.replies for row in r.buttons for b in row]


def proposal(pid: int, name: str, status: str = "proposed", **overrides) -> ProposalView:
    fields = dict(id=pid, name=name, relation="Grandmother", by_child=False, proposer_id=2, proposer_name="Anna",
                  proposer_chat_id=200, status=status)
    return ProposalView(**{**fields, **overrides})


def plist(*proposals: ProposalView, model_id: str = FGC, meetings=MEETINGS) -> ProposalList:
    return ProposalList(case_id=7, pseudonym="Family A", model_id=model_id, timezone="Europe/Stockholm",
                        coordinator_id=1, coordinator_chat_id=900, meetings=meetings, proposals=proposals,
                        family=((2, 200, "family"), (3, 300, "child"), ))


def family_member(role: str = "family", person_id: int = 2):
    from flows.context import PersonView

    return PersonView(person_id, "Anna", False, "en", (Membership(7, "Family A", role, "open", "Europe/Stockholm", MEETINGS),))


# ---- joining ---------------------------------------------------------------------------


def joining(role: str, model_id: str = FGC):
    state = State("join", "role", {"invite_id": 3, "name": "Anna"})
    return Chat(ctx(invite=invite(role=role, model_id=model_id, meetings=MEETINGS), state=state))


def test_a_guardian_joining_a_family_group_conference_is_asked_whom_to_invite_first():
    chat = joining("family")
    joined = chat.press("join:role:yes")
    assert any(isinstance(c, JoinCase) for c in joined.changes)
    assert joined.state == State("propose", "offer", {"case": 7})
    assert "Who are the people who matter to your family, and who could be invited?" in said(joined)
    assert "propose:add" in buttons(joined) and "propose:later" in buttons(joined)
    chat.ctx = replace(chat.ctx, person=family_member(), proposals=plist())  # as the engine loads it once they joined
    later = chat.press("propose:later")
    assert later.state.flow is None and "any time with /proposals" in said(later)


def test_the_child_is_asked_its_own_question_and_others_are_not_asked():
    assert "Who would you like to be at the meeting?" in said(joining("child").press("join:role:yes"))
    for role, model_id in (("network", FGC), ("professional", FGC), ("family", "systemic")):
        joined = joining(role, model_id).press("join:role:yes")
        assert joined.state.flow is None and "propose:add" not in buttons(joined)


def test_proposal_questions_asked_first_leave_the_preparation():
    mt = builtin_models()[FGC].meeting_type("meeting")
    assert "who_to_invite" not in [q.id for q in mt.questions_for("family")]
    assert "child_who" not in [q.id for q in mt.questions_for("child")]
    assert mt.proposal_question("family").id == "who_to_invite"
    assert builtin_models()["startup"].meeting_type("meeting").proposal_question("family").id == "who_takes_part"
    network = builtin_models()["danish_series"].meeting_type("netvaerksmode")
    assert network.proposal_question("child").id == "who_to_invite" and network.proposals.ask_first


# ---- the family proposes ------------------------------------------------------------------


def proposing(role: str = "family", *proposals: ProposalView) -> Chat:
    return Chat(ctx(person=family_member(role), proposals=plist(*proposals), state=State("propose", "offer", {"case": 7})))


def test_the_family_proposes_one_person_at_a_time_with_how_they_know_the_child():
    chat = proposing()
    assert chat.press("propose:add").state.step == "name"
    too_long = chat.text("x" * 5000)
    assert too_long.state.step == "name" and "at most {max} characters" in said(too_long) and not too_long.changes
    assert chat.text("   ").state.step == "name"
    asked = chat.text("  Mormor <Aino> & co  ")
    assert asked.state.step == "relation" and "know the child or your family" in said(asked)
    assert "Please keep it shorter" in said(chat.text("y" * 5000))
    added = chat.text("Grandmother")
    assert added.changes == (AddProposal(7, "Mormor <Aino> & co", "Grandmother", False),)
    notice = next(r for r in added.replies if r.chat_id == 900)
    assert notice.parts[0].params["name"] == "Mormor <Aino> & co" and "/proposals" in notice.parts[0].msgid
    assert added.state == State("propose", "more", {"case": 7})
    assert chat.press("propose:add").state.step == "name"
    chat.text("Lena")
    skipped = chat.press("propose:skip")
    assert skipped.changes == (AddProposal(7, "Lena", None, False),)
    done = chat.press("propose:done")
    assert done.state.flow is None and "who has said yes" in said(done)


def test_the_childs_proposal_is_marked_as_the_childs():
    chat = proposing("child")
    chat.press("propose:add")
    assert "How do you know {name}?" in said(chat.text("Moa"))
    added = chat.text("My friend")
    assert added.changes == (AddProposal(7, "Moa", "My friend", True),)
    notice = next(r for r in added.replies if r.chat_id == 900)
    assert "the child" in notice.parts[0].msgid


def test_free_text_where_a_button_is_expected_and_strangers_are_refused():
    chat = proposing()
    wrong = chat.text("hello")
    assert "Please use the buttons" in said(wrong) and not wrong.changes
    stranger = Chat(ctx(person=family_member("network"), proposals=plist(), state=State("propose", "offer", {"case": 7})))
    refused = stranger.press("propose:add")
    assert refused.state.flow is None and not refused.changes
    assert "Only the family" in said(Chat(ctx(person=family_member("network"), proposals=plist())).command("proposals"))
    # Another case's button: nothing happens.
    assert not Chat(ctx(person=family_member(), proposals=plist())).press_unstamped("propose:go:8").changes


def test_the_family_sees_who_said_yes_but_not_a_no_unless_told():
    me = family_member()
    shown = Chat(ctx(person=me, proposals=plist(
        proposal(1, "Aino", "joined"), proposal(2, "Lena", "declined"), proposal(3, "Kim", "declined", family_told=True),
        proposal(4, "Bo", "asked"), proposal(5, "Other's", "declined", proposer_id=3)))).command("proposals")
    text = said(shown)
    names = [p.get("name") for p in params(shown)]
    assert "💚 {name} has said yes" in text and "Aino" in names
    assert "• {name} cannot come this time" in text and "Kim" in names
    assert "Lena" in names and "Bo" in names  # their own, still "in touch"
    assert "Other's" not in names  # someone else's suggestion that is not a yes
    assert "said no" not in text
    assert shown.state == State("propose", "more", {"case": 7})


# ---- the coordinator works through the list -----------------------------------------


def coordinating(*proposals: ProposalView, model_id: str = FGC, coordinator_id: int = 1) -> Chat:
    return Chat(ctx(person=coordinator(), coordinated_cases=(case(model_id=model_id, coordinator_id=coordinator_id, meetings=MEETINGS),),
                    proposals=plist(*proposals, model_id=model_id)))


def test_the_coordinator_goes_through_the_list_person_by_person():
    chat = coordinating(proposal(1, "Aino <mormor>"), proposal(2, "Moa", by_child=True, proposer_name="Kim", proposer_chat_id=300))
    listed = chat.command("proposals")
    assert listed.state == State("proposals", "list", {"case": 7})
    assert "{name} – {status} (the child's wish)" in said(listed)
    assert {"proposals:open:1", "proposals:open:2", "proposals:askfamily"} <= set(buttons(listed))
    card = chat.press("proposals:open:1")
    assert card.state == State("proposals", "card", {"case": 7, "p": 1})
    assert {"proposals:set:1:asked", "proposals:set:1:agreed", "proposals:set:1:declined"} <= set(buttons(card))
    asked = chat.press("proposals:set:1:asked")
    assert asked.changes == (SetProposalStatus(1, "asked"),)
    chat.ctx = replace(chat.ctx, proposals=plist(proposal(1, "Aino <mormor>", "asked"), proposal(2, "Moa", by_child=True)))
    agreed = chat.press("proposals:set:1:agreed")
    assert agreed.changes == (SetProposalStatus(1, "agreed"),)
    told = next(r for r in agreed.replies if r.chat_id == 200)
    assert "has said yes" in told.parts[0].msgid
    chat.ctx = replace(chat.ctx, proposals=plist(proposal(1, "Aino <mormor>", "agreed")))
    linked = chat.press("proposals:link:1")
    (invite_made,) = linked.changes
    assert isinstance(invite_made, CreateInvite) and invite_made.proposal_id == 1 and invite_made.role == "network"
    link_reply = next(r for r in linked.replies if r.qr_url)
    assert invite_made.token in link_reply.qr_url and not link_reply.stamp_buttons
    # A new link takes the old one back.
    chat.ctx = replace(chat.ctx, proposals=plist(proposal(1, "Aino <mormor>", "link_sent", invite_id=44)))
    again = chat.press("proposals:link:1")
    assert again.changes[0] == RevokeInvite(44) and again.changes[1].proposal_id == 1


def test_a_no_stays_with_the_coordinator_unless_they_tell_the_family_kindly():
    chat = coordinating(proposal(1, "Lena", "asked"))
    chat.command("proposals")
    chat.press("proposals:open:1")
    declined = chat.press("proposals:set:1:declined")
    assert declined.changes == (SetProposalStatus(1, "declined"),)
    assert all(r.chat_id is None for r in declined.replies)  # the family is not told
    chat.ctx = replace(chat.ctx, proposals=plist(proposal(1, "Lena", "declined")))
    told = chat.press("proposals:tell:1")
    assert told.changes == (SetProposalStatus(1, "declined", family_told=True),)
    assert "cannot come" in next(r for r in told.replies if r.chat_id == 200).parts[0].msgid
    chat.ctx = replace(chat.ctx, proposals=plist(proposal(1, "Lena", "declined", family_told=True)))
    twice = chat.press("proposals:tell:1")
    assert not twice.changes and "moved on" in said(twice)


def test_stale_forged_and_other_peoples_buttons_change_nothing():
    chat = coordinating(proposal(1, "Lena", "declined"))
    chat.command("proposals")
    chat.press("proposals:open:1")
    stale = chat.press("proposals:set:1:asked")  # it was declined in the meantime
    assert not stale.changes and "moved on" in said(stale)
    assert not chat.press("proposals:link:1").changes  # no link for a no
    gone = chat.press("proposals:open:99")
    assert not gone.changes and "no longer on the list" in said(gone)
    assert not chat.press("proposals:set:1:joined").changes  # joining is not the coordinator's to mark
    assert not chat.press("proposals:set:x:agreed").changes
    old = chat.ctx
    chat._run(__import__("flows.events", fromlist=["ButtonPress"]).ButtonPress("0|proposals:set:1:agreed", 55))
    assert not chat.last.changes
    chat.ctx = old
    other = coordinating(proposal(1, "Lena", "asked"), coordinator_id=2)
    other_list = other.command("proposals")
    assert not other_list.changes and "own open cases" in said(other_list)
    assert not Chat(replace(other.ctx, state=State("proposals", "card", {"case": 7, "p": 1}))).press("proposals:set:1:agreed").changes


def test_asking_the_family_sends_each_guardian_and_child_their_own_question():
    chat = coordinating()
    listed = chat.command("proposals")
    assert "The family has not suggested anyone yet." in said(listed)
    asked = chat.press("proposals:askfamily")
    to_family = {r.chat_id: r for r in asked.replies if r.chat_id}
    assert set(to_family) == {200, 300}
    assert [b.action for row in to_family[300].buttons for b in row] == ["propose:go:7"]
    assert not to_family[300].stamp_buttons
    assert to_family[300].parts[0].params["question"].msgid == "Who would you like to be at the meeting?"
    started = Chat(ctx(person=family_member("child", 3), proposals=plist())).press_unstamped("propose:go:7")
    assert started.state == State("propose", "name", {"case": 7})


def test_invite_nudges_the_coordinator_to_go_through_the_proposals_first():
    waiting = coordinating(proposal(1, "Aino"), proposal(2, "Lena", "joined")).command("invite")
    assert any("go through their suggestions with /proposals" in m for m in msgids(waiting))
    assert next(part.n for r in waiting.replies for part in r.parts if isinstance(part, T) and part.plural) == 1
    nobody_yet = coordinating().command("invite")
    assert any("has not suggested anyone yet" in m for m in msgids(nobody_yet))
    done = coordinating(proposal(1, "Aino", "link_sent")).command("invite")
    assert not any("/proposals" in m for m in msgids(done))
    systemic = coordinating(model_id="systemic").command("invite")
    assert not any("/proposals" in m for m in msgids(systemic))


# ---- the model field -----------------------------------------------------------------------

FGC_TEXT = (BUILTIN_DIR / "family_group_conference.toml").read_text(encoding="utf-8")
PROPOSALS = 'questions = ["who_to_invite", "child_who"]'

BROKEN = [
    pytest.param(FGC_TEXT.replace(PROPOSALS, 'questions = ["who_to_invite", "who_else"]'),
                 "meeting_types[0].proposals.questions[1]: no question 'who_else' in this meeting type", id="unknown-question"),
    pytest.param(FGC_TEXT.replace(PROPOSALS, 'questions = ["who_to_invite", "network_contribute"]'),
                 "meeting_types[0].proposals.questions[1]: question 'network_contribute' is asked of 'network'", id="not-the-family"),
    pytest.param(FGC_TEXT.replace(PROPOSALS, 'questions = ["who_to_invite", "child_how"]'),
                 "meeting_types[0].proposals.questions[1]: question 'child_how' is a 'choice'", id="not-names"),
    pytest.param(FGC_TEXT.replace(PROPOSALS, 'questions = ["who_to_invite", "who_to_invite"]'),
                 "meeting_types[0].proposals.questions: question 'who_to_invite' is listed twice", id="twice"),
    pytest.param(FGC_TEXT.replace(PROPOSALS, "questions = []"),
                 "meeting_types[0].proposals.questions: name at least one question", id="none"),
    pytest.param(FGC_TEXT.replace(PROPOSALS, 'questions = ["who_to_invite", "what_to_plan"]'),
                 "meeting_types[0].proposals.questions: two questions ask 'family'", id="two-for-a-role"),
    pytest.param(FGC_TEXT.replace("ask_first = true", 'ask_first = "yes"'),
                 "meeting_types[0].proposals.ask_first:", id="not-a-bool"),
    pytest.param(FGC_TEXT.replace("ask_first = true", "ask_first = true\nwho = 1"),
                 "meeting_types[0].proposals.who: unknown field", id="unknown-field"),

]


DANISH_TEXT = (BUILTIN_DIR / "danish_series.toml").read_text(encoding="utf-8")


def test_proposals_need_the_network_invited(tmp_path):
    """The børnesamtale invites no network: nobody proposed could join it."""
    talk = DANISH_TEXT.index('id = "bornesamtale"')
    cut = DANISH_TEXT.index("  [meeting_types.cadence]", talk)
    text = DANISH_TEXT[:cut] + '  [meeting_types.proposals]\n  questions = ["child_talk_about"]\n\n' + DANISH_TEXT[cut:]
    path = tmp_path / "danish_series.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=r"^danish_series\.toml: meeting_types\[2\]\.proposals: the people the family "
                                         r"proposes join as 'network'"):
        load_model(path)


@pytest.mark.parametrize("text, expected", BROKEN)
def test_a_wrong_proposals_field_is_refused_with_file_and_field(tmp_path, text, expected):
    assert text != FGC_TEXT, "the test's edit did not apply"
    path = tmp_path / f"{FGC}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert str(caught.value).startswith(f"{FGC}.toml: ")
    assert expected in str(caught.value), str(caught.value)


def test_proposals_kept_in_the_preparation_stay_there():
    path_text = FGC_TEXT.replace("ask_first = true", "ask_first = false")
    from flows.meeting_models import parse_model

    mt = parse_model(path_text.encode(), f"{FGC}.toml").meeting_type("meeting")
    assert "who_to_invite" in [q.id for q in mt.questions_for("family")]
    state = State("join", "role", {"invite_id": 3, "name": "Anna"})
    models = {**builtin_models(), FGC: parse_model(path_text.encode(), f"{FGC}.toml")}
    joined = Chat(ctx(models=models, invite=invite(model_id=FGC, meetings=MEETINGS), state=state)).press("join:role:yes")
    assert joined.state.flow is None

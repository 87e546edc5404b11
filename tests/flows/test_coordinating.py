"""/invite and /meetings."""

from flows import router
from flows.coordinating import token_ref
from flows.events import ButtonPress
from flows.outcome import CreateInvite, RevokeInvite
from tests.auxil.flowctx import Chat, case, coordinator, ctx, invite


def test_invite_gives_one_link_and_qr_per_role():
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(case(),)))
    out = chat.command("invite")
    invites = [c for c in out.changes if isinstance(c, CreateInvite)]
    # The systemic meeting has a reflecting team too.
    assert sorted(c.role for c in invites) == sorted(("family", "child", "network", "professional", "reflecting_team"))
    links = [r.qr_url for r in out.replies if r.qr_url]
    assert len(links) == 5 and all(link.startswith("https://t.me/meet_bot?start=") for link in links)
    assert len({c.token for c in invites}) == 5
    # Revoke buttons name the link by a hash prefix, never the token itself.
    actions = chat.actions()
    assert all(token_ref(c.token) in " ".join(actions) for c in invites)
    assert not any(c.token in " ".join(actions) for c in invites)


def test_invite_asks_which_case_when_several():
    chat = Chat(ctx(person=coordinator(), coordinated_cases=(case(), case(id=8, pseudonym="Family B"))))
    chat.command("invite")
    assert chat.actions() == ["invite:case:7", "invite:case:8"]
    out = chat.press("invite:case:8")
    assert {c.case_id for c in out.changes} == {8}
    # A forged case id (not this coordinator's) is refused.
    chat.command("invite")
    assert chat.press("invite:case:99").changes == ()


def test_non_coordinators_cannot_invite_or_revoke():
    out = Chat(ctx(person=None)).command("invite")
    assert out.changes == () and "Only coordinators" in out.replies[0].parts[0].msgid
    other = coordinator(id=2)
    revoke = router.handle(ButtonPress("-|rv:0123456789abcdef", 1),
                           ctx(person=other, coordinated_cases=(case(coordinator_id=1),), invite=invite()))
    assert revoke.changes == ()


def test_revoke_by_the_case_coordinator():
    out = router.handle(ButtonPress("-|rv:0123456789abcdef", 1),
                        ctx(person=coordinator(), coordinated_cases=(case(),), invite=invite()))
    assert out.changes == (RevokeInvite(3),)


def test_meetings_lists_cases():
    out = Chat(ctx(person=coordinator(), coordinated_cases=(case(participants=(("Anna", "family"),)),))).command("meetings")
    assert len(out.replies[0].parts) == 2

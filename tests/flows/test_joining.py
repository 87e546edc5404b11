"""Joining through an invite, consent, and the commands everyone has."""

from flows import router
from flows.context import Membership, PersonView
from flows.events import ButtonPress
from flows.outcome import BecomeCoordinator, ErasePerson, JoinCase, SetLanguage
from flows.router import stamp
from tests.auxil.flowctx import Chat, case, coordinator, ctx, invite


def test_consent_name_role_then_joined_and_coordinator_told():
    chat = Chat(ctx(invite=invite()))
    out = chat.command("start", "sometoken1234567890")
    assert chat.ctx.state.step == "consent"
    assert "privacy" in out.replies[0].parts[0].msgid.lower()
    chat.press("join:agree")
    assert chat.ctx.state.step == "name"
    chat.press("join:name:telegram")
    assert chat.ctx.state.data["name"] == "Anna Berg"
    out = chat.press("join:role:yes")
    (change,) = out.changes
    assert change == JoinCase(invite_id=3, case_id=7, role="family", name="Anna Berg", language=None)
    notice = [r for r in out.replies if r.chat_id == 900]
    assert notice and "has joined" in notice[0].parts[0].msgid


def test_declining_stores_nothing():
    chat = Chat(ctx(invite=invite()))
    chat.command("start", "sometoken1234567890")
    out = chat.press("join:decline")
    assert out.changes == () and out.state.flow is None
    assert "Nothing about you has been saved" in out.replies[0].parts[0].msgid


def test_typed_name_and_wrong_role_stores_nothing():
    chat = Chat(ctx(invite=invite()))
    chat.command("start", "sometoken1234567890")
    chat.press("join:agree")
    chat.text("  <b>Bo</b>   &  ")
    assert chat.ctx.state.data["name"] == "<b>Bo</b> &"
    out = chat.press("join:role:no")
    assert out.changes == () and out.state.flow is None


def test_language_choice_before_consent_lives_in_the_state_and_edits_the_notice():
    chat = Chat(ctx(invite=invite()))
    chat.command("start", "sometoken1234567890")
    out = chat.press("join:lang:fi")
    assert out.state.language == "fi" and out.changes == ()
    assert out.replies[0].edit_message_id == 55 and out.replies[0].language == "fi"
    chat.press("join:agree")
    chat.text("Aino")
    out = chat.press("join:role:yes")
    assert out.changes[0].language == "fi"


def test_bad_invites_are_explained():
    for status, words in (("expired", "expired"), ("revoked", "no longer valid"), ("used", "already been used")):
        out = Chat(ctx(invite=invite(status=status))).command("start", "sometoken1234567890")
        assert words in out.replies[0].parts[0].msgid and out.state.flow is None
    out = Chat(ctx(invite=None)).command("start", "made-up-token-123456")
    assert "don't recognise" in out.replies[0].parts[0].msgid


def test_invite_revoked_while_joining_stops_the_join():
    chat = Chat(ctx(invite=invite()))
    chat.command("start", "sometoken1234567890")
    chat.press("join:agree")
    chat.ctx = chat.ctx.__class__(**{**chat.ctx.__dict__, "invite": invite(status="revoked")})
    out = chat.text("Anna")
    assert out.changes == () and out.state.flow is None


def test_coordinator_invite_makes_a_coordinator_without_role_question():
    chat = Chat(ctx(invite=invite(kind="coordinator", case_id=None, role=None, pseudonym=None)))
    chat.command("start", "sometoken1234567890")
    chat.press("join:agree")
    out = chat.text("Cia Lind")
    assert out.changes == (BecomeCoordinator(invite_id=3, name="Cia Lind", language=None),)


def test_already_member():
    person = PersonView(5, "Anna", False, "en", (Membership(7, "Family A", "family", "open", "Europe/Stockholm"),))
    out = Chat(ctx(invite=invite(), person=person)).command("start", "sometoken1234567890")
    assert "already taking part" in out.replies[0].parts[0].msgid


def test_stale_and_forged_buttons():
    chat = Chat(ctx(invite=invite()))
    chat.command("start", "sometoken1234567890")
    old_version = chat.ctx.version
    chat.press("join:agree")
    stale = router.handle(ButtonPress(stamp(old_version, "join:agree"), 1), chat.ctx)
    assert stale.toast is not None and stale.changes == ()
    assert "earlier question" in stale.replies[0].parts[0].msgid
    forged = router.handle(ButtonPress(stamp(chat.ctx.version, "setup:create"), 1), chat.ctx)
    assert forged.changes == () and forged.toast is not None and not forged.clear_buttons
    garbage = router.handle(ButtonPress("nonsense", 1), chat.ctx)
    assert garbage.changes == () and garbage.toast is not None


def test_language_forget_cancel_help():
    person = PersonView(5, "Anna", False, "en")
    chat = Chat(ctx(person=person))
    chat.command("language")
    out = chat.press("lang:da")
    assert out.changes == (SetLanguage("da"),) and out.replies[0].language == "da"
    chat.command("forget")
    out = chat.press("forget:yes")
    assert out.changes == (ErasePerson(),)
    chat.command("forget")
    assert chat.press("forget:no").changes == ()
    assert "nothing to cancel" in chat.command("cancel").replies[0].parts[0].msgid
    assert "/new" not in chat.command("help").replies[0].parts[0].msgid
    assert "/new" in Chat(ctx(person=coordinator())).command("help").replies[0].parts[0].msgid


def test_unknown_command_sticker_and_idle_text():
    chat = Chat(ctx())
    assert "/frobnicate" in str(chat.command("frobnicate").replies[0].parts[0].params) or chat.last.replies
    from flows.events import OtherMessage

    out = router.handle(OtherMessage("sticker"), chat.ctx)
    assert "only read text" in out.replies[0].parts[0].msgid
    assert "not waiting" in chat.text("hello?").replies[0].parts[0].msgid


def test_the_telegram_name_button_submits_exactly_the_name_it_shows():
    long_name = "<b>Anna</b> & " + "Maria-Louise " * 6 + "von Berg   zu\nHohen<i>stein</i> " + "x" * 20  # over 100 characters
    assert len(long_name) >= 100
    chat = Chat(ctx(invite=invite(), telegram_name=long_name))
    chat.command("start", "sometoken1234567890")
    chat.press("join:agree")
    (button,) = [b for r in chat.last.replies for row in r.buttons for b in row]
    shown = button.label.params["name"]
    assert len(shown) <= 60 and shown == " ".join(shown.split()) and shown.startswith("<b>Anna</b> & Maria-Louise")
    # Telegram may hand over another name by the time the button is pressed: what was shown counts.
    chat.ctx = chat.ctx.__class__(**{**chat.ctx.__dict__, "telegram_name": "Someone Else"})
    out = chat.press("join:name:telegram")
    assert chat.ctx.state.step == "role" and chat.ctx.state.data["name"] == shown
    assert "suggested" not in chat.ctx.state.data
    out = chat.press("join:role:yes")
    assert out.changes[0].name == shown


def test_a_telegram_name_is_cleaned_like_a_typed_one():
    chat = Chat(ctx(invite=invite(), telegram_name="  Anna \n  Berg  "))
    chat.command("start", "sometoken1234567890")
    chat.press("join:agree")
    chat.press("join:name:telegram")
    assert chat.ctx.state.data["name"] == "Anna Berg"


def test_text_while_the_language_buttons_wait_asks_again_with_the_buttons():
    for person in (PersonView(5, "Anna", False, "en"), None):
        chat = Chat(ctx(person=person))
        chat.command("language")
        out = chat.text("svenska")
        assert [p.msgid for r in out.replies for p in r.parts] == [
            "Please use the buttons under the message.", "Which language would you like me to use?"]
        assert [b.action for r in out.replies for row in r.buttons for b in row] == ["lang:sv", "lang:da", "lang:fi", "lang:en"]
        out = chat.press("lang:sv")
        assert out.replies[0].language == "sv" and chat.ctx.state.flow is None
        assert "not waiting" in chat.text("hello?").replies[0].parts[0].msgid  # answered: idle again
        assert person is not None or chat.ctx.state.language == "sv"  # before joining, the choice lives in the state


def test_the_language_buttons_inside_another_flow_keep_that_flow():
    chat = Chat(ctx(invite=invite()))
    chat.command("start", "sometoken1234567890")
    chat.press("join:agree")
    chat.command("language")
    assert chat.ctx.state.step == "name"
    chat.press("lang:da")
    assert chat.ctx.state.step == "name" and chat.ctx.state.language == "da"
    chat.text("Anna")
    assert chat.ctx.state.step == "role"


def test_refused_and_forged_presses_leave_the_pressed_message_alone():
    chat = Chat(ctx(invite=invite()))
    chat.command("start", "sometoken1234567890")
    old_version = chat.ctx.version
    chat.press("join:agree")
    refusals = [
        router.handle(ButtonPress(stamp(old_version, "join:agree"), 1), chat.ctx),  # stale
        router.handle(ButtonPress(stamp(chat.ctx.version, "setup:create"), 1), chat.ctx),  # another flow's
        router.handle(ButtonPress("nonsense", 1), chat.ctx),
        router.handle(ButtonPress("-|task:done:nosuchref", 1), chat.ctx),
        router.handle(ButtonPress("-|rv:0123456789abcdef", 1), ctx(person=coordinator(id=2), coordinated_cases=(case(),),
                                                                    invite=invite())),  # another coordinator's link
        router.handle(ButtonPress("-|plan:read:1", 1), chat.ctx),
        router.handle(ButtonPress("-|fb:go:1", 1), chat.ctx),
        router.handle(ButtonPress(stamp(chat.ctx.version, "lang:xx"), 1), chat.ctx),
    ]
    for out in refusals:
        assert out.changes == () and not out.clear_buttons, out
    # The stale one answers, and asks again, without touching the old message either.
    assert "earlier question" in refusals[0].replies[0].parts[0].msgid
    idle_stale = router.handle(ButtonPress(stamp(old_version, "x:y"), 1), ctx(person=PersonView(5, "Anna", False, "en")))
    assert idle_stale.toast is not None and not idle_stale.clear_buttons

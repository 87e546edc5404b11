"""Commands everyone has: /help, /privacy, /language, /cancel, and the replies to input that fits nowhere."""

from __future__ import annotations

from flows.context import Context
from flows.labels import LANGUAGE_NAMES
from flows.outcome import IDLE, Button, Outcome, SetLanguage, State, outcome, reply
from flows.text import Lines, T, _


def privacy_notice(role: str | None = None) -> T:
    """What is stored and who sees it; a child or young person gets it in
    short sentences, just as honest."""
    if role == "child":
        return _(
            "<b>Before you start: what happens to what you write</b>\n\n"
            "This bot is from the social services who work with your family. "
            "It helps you get ready for the meetings and tell us afterwards how they went.\n\n"
            "<b>What is saved:</b> your name, your Telegram account, your language and what you write here.\n"
            "<b>Who sees it:</b> the coordinator. The others only see an answer if you choose to show it to them.\n"
            "<b>How long:</b> while the meetings go on, and a while after that. Then it is erased.\n"
            "<b>Erasing:</b> you can erase everything about you whenever you want with /forget.\n\n"
            "Chats with bots are not fully locked. So do not write anything here that must stay a secret. "
            "If something is hard to talk about, you can tell a grown-up you trust, or your social worker."
        )
    return _(
        "<b>Before you join: your privacy</b>\n\n"
        "This bot helps you prepare for and follow up the meetings about the child. "
        "It is run by the social services you are in contact with, not by Telegram.\n\n"
        "<b>What is kept:</b> your Telegram user number, the name you confirm, your language, "
        "and what you write here: answers, tasks and feedback.\n"
        "<b>Who sees it:</b> the coordinator of your case, and others in the meeting only "
        "when you choose to share an answer with them.\n"
        "<b>How long:</b> until the case is closed and the retention period has passed.\n"
        "<b>Erasing:</b> you can erase everything about you at any time with /forget.\n\n"
        "Chats with a bot are not end-to-end encrypted by Telegram. "
        "Please do not write anything here that must never leave the room."
    )


def help_text(ctx: Context) -> T:
    person = ctx.person
    if person is None:
        return _(
            "I help families and the people around them prepare for meetings with social "
            "services and follow them up.\n\n"
            "To take part, open the invite link your coordinator sent you.\n\n"
            "/language – choose your language\n"
            "/privacy – what is stored and who sees it\n"
            "/help – this message"
        )
    if person.is_coordinator:
        return _(
            "<b>What you can do as a coordinator</b>\n\n"
            "/new – create a case and its first meeting\n"
            "/meetings – your cases and meetings\n"
            "/invite – invite links and QR codes for a case\n"
            "/prep – who has prepared, and the answers shared with you\n"
            "/meeting – run the meeting: agenda, speaking turns, family time, tasks\n"
            "/tasks – the tasks in your cases\n"
            "/next – plan the next meeting, send it to everyone, see who comes\n"
            "/feedback – how the meetings felt to the family\n"
            "/close – close a case\n"
            "/language – choose your language\n"
            "/privacy – what is stored and who sees it\n"
            "/forget – erase your data\n"
            "/cancel – stop what you are doing"
        )
    return _(
        "<b>What you can do</b>\n\n"
        "/prep – prepare for your next meeting\n"
        "/meetings – your meetings\n"
        "/tasks – your tasks\n"
        "/feedback – tell how the last meeting felt\n"
        "/language – choose your language\n"
        "/privacy – what is stored and who sees it\n"
        "/forget – erase everything about you\n"
        "/cancel – stop what you are doing\n\n"
        "I will tell you when there is something to prepare."
    )


def show_help(ctx: Context) -> Outcome:
    if ctx.person is not None and ctx.person.is_coordinator:
        return outcome(ctx.state, reply(help_text(ctx), _(
            "/audit – who did what in a case, and when\n"
            "/handover – hand a case over to another coordinator, or add one beside you")))
    return outcome(ctx.state, reply(help_text(ctx)))


def show_privacy(ctx: Context) -> Outcome:
    person = ctx.person
    is_child = person is not None and not person.is_coordinator and bool(person.memberships) \
        and all(m.role == "child" for m in person.memberships)
    return outcome(ctx.state, reply(privacy_notice("child" if is_child else None)))


def language_buttons(action_prefix: str) -> tuple[tuple[Button, ...], ...]:
    row = tuple(Button(name, f"{action_prefix}:{code}") for code, name in LANGUAGE_NAMES.items())
    return (row[:2], row[2:])


LANGUAGE_FLOW = "lang"


def _language_question():
    return reply(_("Which language would you like me to use?"), buttons=language_buttons("lang"))


def ask_language(ctx: Context) -> Outcome:
    # From idle, the buttons wait as a question of their own (text gets "use
    # the buttons"); inside another flow, that flow keeps the chat's text.
    state = ctx.state if ctx.state.flow is not None else State(LANGUAGE_FLOW, "choose", language=ctx.state.language)
    return outcome(state, _language_question())


def choose_language(ctx: Context, code: str) -> Outcome:
    if code not in LANGUAGE_NAMES:
        return forged_button(ctx)
    state = ctx.state
    if state.flow == LANGUAGE_FLOW:
        state = State(language=state.language)  # answered: idle again
    if ctx.person is None:
        state = State(state.flow, state.step, state.data, language=code)
        return outcome(state, reply(_language_chosen(), language=code))
    return outcome(
        state,
        reply(_language_chosen(), language=code),
        changes=[SetLanguage(code)],
    )


class LanguageFlow:
    """The /language question, while its buttons wait."""

    FLOW = LANGUAGE_FLOW

    @staticmethod
    def on_text(ctx: Context, text: str) -> Outcome:
        return outcome(ctx.state, reply(_("Please use the buttons under the message.")), _language_question())

    @staticmethod
    def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
        return None  # its buttons ("lang:…") are answered before any flow

    @staticmethod
    def ask_again(ctx: Context) -> Outcome:
        return outcome(ctx.state, _language_question())


def _language_chosen():
    # Translators: shown in the language just chosen, so name YOUR language here ("på svenska", "suomeksi").
    return _("Done. I will write to you in English.")


def cancel(ctx: Context) -> Outcome:
    if ctx.state.flow is None:
        return outcome(IDLE, reply(_("There is nothing to cancel right now.")))
    return outcome(
        State(language=ctx.state.language),
        reply(_("Stopped. Nothing from the unfinished step was saved. /help shows what you can do.")),
    )


def names(people) -> T:
    """People's names in a row ("Anna, Lars"), or "nobody"."""
    return _("{names}", names=Lines(tuple(p.name for p in people), sep=", ")) if people else _("nobody")


def choose_case(flow: str, question: T, cases) -> Outcome:
    """Which case a coordinator with several means: one button each, answered in `flow`."""
    return outcome(State(flow, "case"), reply(question, buttons=[[Button(c.pseudonym, f"{flow}:case:{c.id}")] for c in cases]))


def forged_button(ctx: Context) -> Outcome:
    # Leave the pressed message alone: a forged press may name a real, current message.
    return outcome(ctx.state, toast=_("This button does not work here."), clear_buttons=False)


def stale_button_toast() -> T:
    return _("That button belongs to an earlier message.")


def unknown_command(ctx: Context, name: str) -> Outcome:
    return outcome(
        ctx.state,
        reply(_("I don't know the command /{command}. /help lists what I can do.", command=name)),
    )


def nothing_expected(ctx: Context) -> Outcome:
    return outcome(
        ctx.state,
        reply(_("I'm not waiting for an answer from you right now. /help shows what you can do.")),
    )


def cannot_read(ctx: Context) -> Outcome:
    return outcome(
        ctx.state,
        reply(_("I can only read text messages, not stickers, pictures or voice messages. /help shows what you can do.")),
    )

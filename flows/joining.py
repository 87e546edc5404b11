"""Joining through an invite link: privacy notice, consent, name, role.

    /start TOKEN ──► consent ──agree──► name ──► role ──yes──► joined
                        │                          └──no───► idle (nothing saved)
                        └──decline──► idle (nothing saved)

A coordinator invite skips the role question. Until the person agrees,
nothing about them is stored but this conversation's position.
"""

from __future__ import annotations

from dataclasses import replace

from flows.common import help_text, language_buttons, privacy_notice
from flows.context import Context, InviteView
from flows.labels import LANGUAGE_NAMES, role_name
from flows.outcome import (
    IDLE,
    BecomeCoordinator,
    Button,
    JoinCase,
    Outcome,
    State,
    outcome,
    reply,
)
from flows.parsing import clean_line
from flows.text import _

FLOW = "join"
MAX_NAME = 60


def clean_name(raw: str) -> str:
    """A name as it is stored, typed or taken from Telegram: one line, single spaces."""
    return clean_line(raw)


def telegram_suggestion(ctx: Context) -> str:
    """The Telegram name, cleaned and cut to fit: what the "Use" button shows and submits."""
    return clean_name(clean_name(ctx.telegram_name)[:MAX_NAME])


def start(ctx: Context, payload: str) -> Outcome:
    if not payload:
        if ctx.person is None:
            return outcome(IDLE, reply(_("Hello! I am the meeting companion of your social services."), help_text(ctx)))
        return outcome(IDLE, reply(_("Welcome back, {name}.", name=ctx.person.name), help_text(ctx)))
    invite = ctx.invite
    problem = invite_problem(ctx, invite)
    if problem is not None:
        return problem
    if invite.kind == "coordinator" and ctx.person is not None and ctx.person.is_coordinator:
        return outcome(IDLE, reply(_("You are already a coordinator. /help shows what you can do.")))
    if invite.kind == "participant" and ctx.person is not None:
        if any(m.case_id == invite.case_id for m in ctx.person.memberships):
            return outcome(IDLE, reply(_("You are already taking part in {case}.", case=invite.pseudonym)))
    state = State(FLOW, "consent", {"invite_id": invite.id}, language=ctx.state.language)
    return outcome(state, ask_consent(ctx))


def invite_problem(ctx: Context, invite: InviteView | None) -> Outcome | None:
    if invite is None:
        return outcome(
            IDLE,
            reply(_("I don't recognise this link. Please check that you opened the whole link, or ask your coordinator for a new one.")),
        )
    messages = {
        "expired": _("This invite link has expired. Please ask your coordinator for a new one."),
        "revoked": _("This invite link is no longer valid. Please ask your coordinator for a new one."),
        "used": _("This link has already been used. Please ask for a new one if you need it."),
    }
    if invite.status in messages:
        return outcome(IDLE, reply(messages[invite.status]))
    return None


def ask_consent(ctx: Context, edit_message_id: int | None = None):
    buttons = [
        [Button(_("I agree"), "join:agree"), Button(_("No, thank you"), "join:decline")],
        *language_buttons("join:lang"),
    ]
    return reply(
        privacy_notice(ctx.invite.role if ctx.invite is not None else None),
        _("Do you agree to this?"),
        buttons=buttons,
        edit_message_id=edit_message_id,
    )


def _suggestion(ctx: Context, state: State) -> str:
    # A conversation from before suggestions were kept falls back to the name itself.
    return state.data.get("suggested") or telegram_suggestion(ctx)


def ask_name(ctx: Context, state: State):
    suggestion = _suggestion(ctx, state)
    buttons = [[Button(_("Use “{name}”", name=suggestion), "join:name:telegram")]] if suggestion else []
    return reply(
        _("Thank you. What name should the others in the meeting see? Press the button, or write the name you want to use."),
        buttons=buttons,
    )


def ask_role(ctx: Context, state: State):
    invite = ctx.invite
    return reply(
        _(
            "You are joining <b>{case}</b> as <b>{role}</b>, with the name <b>{name}</b>. Is that right?",
            case=invite.pseudonym,
            role=role_name(invite.role),
            name=state.data["name"],
        ),
        buttons=[[Button(_("Yes, that's right"), "join:role:yes"), Button(_("No"), "join:role:no")]],
    )


def ask_again(ctx: Context) -> Outcome:
    step = ctx.state.step
    if step == "consent":
        return outcome(ctx.state, ask_consent(ctx))
    if step == "name":
        return outcome(ctx.state, ask_name(ctx, ctx.state))
    return outcome(ctx.state, ask_role(ctx, ctx.state))


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    state = ctx.state
    if ctx.invite is None or ctx.invite.status != "ok":
        return invite_problem(ctx, ctx.invite) or outcome(IDLE)
    match state.step, action:
        case "consent", ["agree"]:
            # The suggestion is kept with the question, so the button submits exactly what it showed.
            named_state = State(FLOW, "name", {**state.data, "suggested": telegram_suggestion(ctx)}, state.language)
            return outcome(named_state, ask_name(ctx, named_state))
        case "consent", ["decline"]:
            return outcome(
                IDLE,
                reply(_("That's fine. Nothing about you has been saved. If you change your mind, open the link again.")),
            )
        case "consent", ["lang", code]:
            if code not in LANGUAGE_NAMES:
                return None
            new_state = State(FLOW, "consent", state.data, language=code)
            # Re-show the notice in place, in the language just chosen.
            notice = replace(ask_consent(ctx, edit_message_id=message_id), language=code)
            return outcome(new_state, notice, clear_buttons=False)
        case "name", ["name", "telegram"] if _suggestion(ctx, state):
            return named(ctx, _suggestion(ctx, state))
        case "role", ["role", "yes"]:
            return joined(ctx)
        case "role", ["role", "no"]:
            return outcome(
                IDLE,
                reply(_("Then this link was probably meant for someone else. Please ask your coordinator for the right link. Nothing has been saved.")),
            )
    return None


def on_text(ctx: Context, text: str) -> Outcome:
    if ctx.invite is None or ctx.invite.status != "ok":
        return invite_problem(ctx, ctx.invite) or outcome(IDLE)
    if ctx.state.step == "name":
        return named(ctx, text)
    return outcome(ctx.state, reply(_("Please answer with the buttons under the question.")), *ask_again(ctx).replies)


def named(ctx: Context, raw: str) -> Outcome:
    name = clean_name(raw)
    if not name or len(name) > MAX_NAME:
        return outcome(
            ctx.state,
            reply(_("Please write a name of at most {max} characters.", max=MAX_NAME)),
        )
    invite = ctx.invite
    data = {key: value for key, value in ctx.state.data.items() if key != "suggested"} | {"name": name}
    if invite.kind == "coordinator":
        return outcome(
            IDLE,
            reply(
                _("Welcome, {name}! You are now a coordinator. Create your first case with /new.", name=name),
                language=ctx.state.language,
            ),
            changes=[BecomeCoordinator(invite.id, name, ctx.state.language)],
        )
    state = State(FLOW, "role", data, ctx.state.language)
    return outcome(state, ask_role(ctx, state))


def joined(ctx: Context) -> Outcome:
    invite = ctx.invite
    name = ctx.state.data["name"]
    if ctx.person is not None and any(m.case_id == invite.case_id for m in ctx.person.memberships):
        return outcome(IDLE, reply(_("You are already taking part in {case}.", case=invite.pseudonym)))
    welcome = reply(
        _(
            "Welcome, {name}! You are now taking part in the meetings about <b>{case}</b>. "
            "Your coordinator will let you know when there is something to prepare. "
            "/help shows what you can do.",
            name=name,
            case=invite.pseudonym,
        ),
        language=ctx.state.language,
    )
    notices = [reply(
        _("{name} has joined <b>{case}</b> as {role}.", name=name, case=invite.pseudonym, role=role_name(invite.role)),
        chat_id=chat,
        priority=1,
        stamp_buttons=False,
    ) for chat in invite.coordinator_chats]  # each of the case's coordinators
    # The family decides who is invited: a guardian or the child is asked first, on its own.
    from flows.proposals import ask_at_joining

    asked = ask_at_joining(ctx, invite.role)
    state, proposals = asked if asked else (IDLE, None)
    return outcome(
        state,
        welcome,
        *((proposals,) if proposals else ()),
        *notices,
        changes=[JoinCase(invite.id, invite.case_id, invite.role, name, ctx.state.language)],
    )

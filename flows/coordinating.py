"""The coordinator's overview (/meetings) and invite links (/invite).

    /invite ─► [choose case] ─► one link + QR code per role, each with "revoke"

Links are shown once: only a hash of each token is stored, so /invite makes
fresh ones each time; earlier links keep working until they expire or are revoked.
"""

from __future__ import annotations

import hashlib

from flows.access import may
from flows.common import choose_case
from flows.context import CaseView, Context
from flows.labels import role_name
from flows.outcome import (
    IDLE,
    Button,
    CreateInvite,
    Outcome,
    RevokeInvite,
    outcome,
    reply,
)
from flows.text import Lines, Moment, T, _, ngettext

FLOW = "invite"


def token_ref(token: str) -> str:
    """The short reference a revoke button carries: a prefix of the token's hash."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def invite_link(ctx: Context, token: str) -> str:
    return f"https://t.me/{ctx.config.bot_username}?start={token}"


def list_meetings(ctx: Context) -> Outcome:
    person = ctx.person
    if person is None:
        return outcome(ctx.state, reply(_("You are not part of any meetings yet. To take part, open the invite link your coordinator sent you.")))
    parts: list[T] = []
    if person.is_coordinator:
        cases = [c for c in ctx.coordinated_cases if c.status == "open"]
        if not cases:
            return outcome(ctx.state, reply(_("You have no open cases. Create one with /new.")))
        parts.append(_("<b>Your cases</b>"))
        parts += [_case_lines(ctx, case) for case in cases]
    else:
        memberships = [m for m in person.memberships if m.case_status == "open"]
        if not memberships:
            return outcome(ctx.state, reply(_("You are not part of any open case right now.")))
        parts.append(_("<b>Your meetings</b>"))
        for m in memberships:
            parts.append(_("<b>{case}</b>, as {role}", case=m.pseudonym, role=role_name(m.role)))
            parts += [_meeting_line(ctx, m.timezone, meeting) for meeting in m.meetings if meeting.status != "cancelled"]
    return outcome(ctx.state, reply(*parts))


def _case_lines(ctx: Context, case: CaseView) -> T:
    model = ctx.models.get(case.model_id)
    meetings = [_meeting_line(ctx, case.timezone, m) for m in case.meetings if m.status != "cancelled"]
    return _(
        # Translators: a case in a list: its name and meeting model, its meetings (one per line), how many joined.
        "<b>{case}</b> – {model}\n{meetings}\n{participants}",
        case=case.pseudonym,
        model=T(model.name) if model else case.model_id,
        meetings=Lines(tuple(meetings)),
        participants=ngettext("{n} participant has joined", "{n} participants have joined", len(case.participants)),
    )


def _meeting_line(ctx: Context, zone: str, meeting) -> T:
    return _(
        "• {when}, {place}",
        when=Moment(meeting.starts_at, zone),
        place=meeting.place or _("place not decided yet"),
    )


def start_invite(ctx: Context) -> Outcome:
    if not may(ctx.person, "list_cases"):
        return outcome(IDLE, reply(_("Only coordinators can invite people. If you are a coordinator, ask your operator for a coordinator link.")))
    cases = [c for c in ctx.coordinated_cases if c.status == "open"]
    if not cases:
        return outcome(IDLE, reply(_("You have no open cases. Create one with /new.")))
    if len(cases) == 1:
        return invites_for(ctx, cases[0])
    return choose_case(FLOW, _("For which case do you want invite links?"), cases)


def invites_for(ctx: Context, case: CaseView) -> Outcome:
    if not may(ctx.person, "invite", case):
        return outcome(IDLE, reply(_("You can only invite people to your own open cases.")))
    model = ctx.models.get(case.model_id)
    expires_at = ctx.now + ctx.config.invite_ttl
    changes, replies = [], [
        reply(
            _(
                "Here are the invite links for <b>{case}</b>, one for each role. "
                "Anyone who opens a link joins in that role, so share each link only with the people it is meant for: "
                "by message, SMS or e-mail, or show the QR code in the room.",
                case=case.pseudonym,
            ),
            stamp_buttons=False,
        )
    ]
    from flows.proposals import invite_nudge  # the family's proposals come before the network's links

    if nudge := invite_nudge(ctx, case.id):
        replies.append(reply(nudge, stamp_buttons=False))
    for role in model.roles:
        token = ctx.new_token()
        changes.append(CreateInvite(case.id, role, token, expires_at))
        replies.append(
            reply(
                _(
                    "<b>Link for: {role}</b>\n{link}\nValid until {until}.",
                    role=role_name(role),
                    link=invite_link(ctx, token),
                    until=Moment(expires_at, case.timezone, "date"),
                ),
                buttons=[[Button(_("Revoke this link"), f"rv:{token_ref(token)}")]],
                qr_url=invite_link(ctx, token),
                stamp_buttons=False,
            )
        )
    from flows import offline  # people without Telegram are added here too

    listed = offline.menu(ctx, case)
    return outcome(listed.state, *replies, *listed.replies, changes=changes)


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    match ctx.state.step, action:
        case "case", ["case", case_id] if case_id.isdigit():
            case = ctx.case(int(case_id))
            if case is None:
                return None
            return invites_for(ctx, case)
    return None


def revoke(ctx: Context) -> Outcome:
    """A revoke button: it names an invite by hash prefix; authority comes from the case."""
    invite = ctx.invite
    case = ctx.case(invite.case_id) if invite and invite.case_id else None
    if invite is None or not may(ctx.person, "revoke_invite", case):
        return outcome(ctx.state, toast=_("This button does not work here."))
    if invite.status == "revoked":
        return outcome(ctx.state, toast=_("This link was already revoked."))
    return outcome(
        ctx.state,
        # Translators: {role} is a role name such as "family member"; word the sentence so it fits.
        reply(_("The {role} link for <b>{case}</b> is revoked. Nobody can join with it any more.", role=role_name(invite.role), case=case.pseudonym)),
        changes=[RevokeInvite(invite.id)],
        toast=_("Revoked"),
    )


def ask_again(ctx: Context) -> Outcome:
    return start_invite(ctx)

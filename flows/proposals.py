"""The family decides who is invited: their proposals, and the coordinator's
list of them (a meeting type's `proposals` in its model file).

The family (the guardians and the child) is asked on its own, when they join
and before the network is invited, whom they would like there; each person
they name is one row. The coordinator works through the list person by person:

    proposed ─"I have asked them"─► asked ─"yes"─► agreed ─"make their link"─► link sent
        └──────────"yes" / "no"──────┘    └"no"─► declined ("tell the family", if the coordinator chooses)
    link sent ─(they join through it)─► joined ─(their preparation is done)─► prepared

The family sees who has said yes; a "no" only once the coordinator tells them.

    family:      offer ─"suggest someone"─► name ─► how they know the child (or skip) ─► more ─► …
    coordinator: /proposals ─► [case] ─► list ─"a name"─► card ─status buttons─► card
"""

from __future__ import annotations

from dataclasses import replace

from flows.access import may
from flows.common import choose_case
from flows.context import Context, MeetingView, ProposalList, ProposalView
from flows.coordinating import invite_link, token_ref
from flows.meeting_models.schema import PROPOSED_ROLE, PROPOSING_ROLES, MeetingType
from flows.outcome import (
    IDLE,
    NOTICE,
    AddProposal,
    Button,
    CreateInvite,
    Outcome,
    Reply,
    RevokeInvite,
    SetProposalStatus,
    State,
    outcome,
    reply,
)
from flows.parsing import clean_line
from flows.text import Moment, T, _, ngettext

FLOW = "proposals"
FAMILY_FLOW = "propose"
MAX_NAME = 100
MAX_RELATION = 300
BUTTON_NAME = 40  # a name on a button is cut here; the list shows it whole

# What the coordinator may record next, by where a proposal stands.
NEXT = {
    "proposed": ("asked", "agreed", "declined"),
    "asked": ("agreed", "declined"),
    "declined": ("agreed",),  # they changed their mind
}
SAID_YES = ("agreed", "link_sent", "joined", "prepared")


def proposal_type(models, model_id: str | None, meetings: tuple[MeetingView, ...], now) -> MeetingType | None:
    """The soonest meeting ahead whose type takes the family's proposals, if any."""
    model = models.get(model_id) if model_id else None
    if model is None:
        return None
    ahead = sorted((m for m in meetings if m.status == "planned" and m.starts_at > now), key=lambda m: m.starts_at)
    for meeting in ahead:
        meeting_type = model.meeting_type(meeting.meeting_type)
        if meeting_type.proposals is not None:
            return meeting_type
    return None


def _status(status: str) -> T:
    return {
        "proposed": _("⬜ not asked yet"),
        "asked": _("📞 asked, waiting for an answer"),
        "agreed": _("✅ said yes, no link yet"),
        "declined": _("❌ said no"),
        "link_sent": _("🔗 link sent"),
        "joined": _("👋 joined"),
        "prepared": _("🌟 joined and prepared"),
    }[status]


def _short(name: str) -> str:
    return name if len(name) <= BUTTON_NAME else name[:BUTTON_NAME - 1] + "…"


# ---- the family ---------------------------------------------------------------------


def _family_role(ctx: Context, plist: ProposalList | None) -> str | None:
    """The reader's role in the case if they may propose: a guardian or the child of an open case."""
    if ctx.person is None or plist is None:
        return None
    membership = next((m for m in ctx.person.memberships if m.case_id == plist.case_id), None)
    if membership is None or membership.case_status != "open" or membership.role not in PROPOSING_ROLES:
        return None
    return membership.role


def offer(meeting_type: MeetingType, role: str, case_id: int, *, language: str | None = None,
          chat_id: int | None = None) -> tuple[State, Reply]:
    """The short, separate question: whom would you like there? (On joining, or when the coordinator asks.)"""
    question = meeting_type.proposal_question(role)
    parts = [_("💡 <b>{question}</b>", question=T(question.text))]
    if question.hint:
        parts.append(T(question.hint))
    parts.append(_("You decide who is invited. Suggest the people you would like there, one at a time: the coordinator "
                   "asks them and tells you who says yes. It takes a minute, and you can also do it later with /proposals."))
    if chat_id is None:
        buttons = [[Button(_("➕ Suggest someone"), f"{FAMILY_FLOW}:add"), Button(_("Later"), f"{FAMILY_FLOW}:later")]]
        return State(FAMILY_FLOW, "offer", {"case": case_id}), reply(*parts, buttons=buttons, language=language)
    # A notice to someone else's chat: the button names the case and outlives any conversation.
    buttons = [[Button(_("➕ Suggest someone"), f"{FAMILY_FLOW}:go:{case_id}")]]
    return IDLE, reply(*parts, buttons=buttons, chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


def ask_at_joining(ctx: Context, role: str) -> tuple[State, Reply] | None:
    """Right after a guardian or the child joins: the proposals come before anyone else is invited."""
    invite = ctx.invite
    if role not in PROPOSING_ROLES:
        return None
    meeting_type = proposal_type(ctx.models, invite.model_id, invite.meetings, ctx.now)
    if meeting_type is None or not meeting_type.proposals.ask_first or meeting_type.proposal_question(role) is None:
        return None
    return offer(meeting_type, role, invite.case_id, language=ctx.state.language)


def _not_yours() -> Outcome:
    return outcome(IDLE, reply(_("Only the family and the child suggest who is invited. Your coordinator can tell you more.")))


def family_start(ctx: Context) -> Outcome:
    """/proposals from a guardian or the child: who has said yes, their own suggestions, and "suggest someone"."""
    plist = ctx.proposals
    role = _family_role(ctx, plist)
    if role is None:
        return _not_yours()
    return _family_list(ctx, plist, role)


def go(ctx: Context, case_id: int) -> Outcome:
    """The button on the coordinator's request for suggestions."""
    plist = ctx.proposals
    if plist is None or plist.case_id != case_id or _family_role(ctx, plist) is None:
        return outcome(ctx.state, toast=_("This button does not work here."), clear_buttons=False)
    return outcome(State(FAMILY_FLOW, "name", {"case": case_id}), _ask_name())


def _family_list(ctx: Context, plist: ProposalList, role: str) -> Outcome:
    me = ctx.person.id
    lines: list[T] = []
    for p in plist.proposals:
        if p.status in SAID_YES:
            lines.append(_("💚 {name} has said yes", name=p.name))
        elif p.proposer_id != me:
            continue  # someone else's suggestion the coordinator is still working on
        elif p.status == "declined" and p.family_told:
            lines.append(_("• {name} cannot come this time", name=p.name))
        else:
            lines.append(_("• {name}: the coordinator is in touch", name=p.name))
    parts = [_("<b>Who is invited to {case}</b>", case=plist.pseudonym)]
    parts += lines or [_("You have not suggested anyone yet.")]
    can_add = proposal_type(ctx.models, plist.model_id, plist.meetings, ctx.now) is not None
    if not can_add:
        parts.append(_("There is no meeting coming up that you can suggest people for right now."))
        return outcome(IDLE, reply(*parts))
    return outcome(State(FAMILY_FLOW, "more", {"case": plist.case_id}), reply(*parts, buttons=_more_buttons()))


def _more_buttons():
    return [[Button(_("➕ Suggest someone"), f"{FAMILY_FLOW}:add")],
            [Button(_("✔ That's everyone for now"), f"{FAMILY_FLOW}:done")]]


def _ask_name() -> Reply:
    return reply(_("What is the person's name? Write it the way you say it, for example “Grandma Aino” or “Coach Lena”."))


def _ask_relation(role: str, name: str) -> Reply:
    question = (_("How do you know {name}? For example aunt, friend or football coach.", name=name) if role == "child"
                else _("How does {name} know the child or your family? For example aunt, neighbour or football coach.", name=name))
    return reply(question, buttons=[[Button(_("Skip"), f"{FAMILY_FLOW}:skip")]])


def _family_case(ctx: Context) -> tuple[ProposalList, str] | None:
    plist = ctx.proposals
    if plist is None or plist.case_id != ctx.state.data.get("case"):
        return None
    role = _family_role(ctx, plist)
    if role is None or proposal_type(ctx.models, plist.model_id, plist.meetings, ctx.now) is None:
        return None
    return plist, role


def _gone() -> Outcome:
    return outcome(IDLE, reply(_("There is no meeting coming up that you can suggest people for right now.")))


def _family_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    found = _family_case(ctx)
    if found is None:
        return _gone()
    plist, role = found
    data = {"case": plist.case_id}
    match ctx.state.step, action:
        case ("offer" | "more"), ["add"]:
            return outcome(State(FAMILY_FLOW, "name", data), _ask_name())
        case "offer", ["later"]:
            return outcome(IDLE, reply(_("That's fine. You can suggest people any time with /proposals.")))
        case "more", ["done"]:
            return outcome(IDLE, reply(_("Thank you. The coordinator will tell you who has said yes. "
                                         "/proposals shows your list, and you can suggest more there.")))
        case "relation", ["skip"]:
            return _add(ctx, plist, role, None)
    return None


def _family_text(ctx: Context, text: str) -> Outcome:
    found = _family_case(ctx)
    if found is None:
        return _gone()
    plist, role = found
    if ctx.state.step == "name":
        name = clean_line(text)
        if not name or len(name) > MAX_NAME:
            return outcome(ctx.state, reply(_("Please write a name of at most {max} characters.", max=MAX_NAME)))
        return outcome(State(FAMILY_FLOW, "relation", {"case": plist.case_id, "name": name}), _ask_relation(role, name))
    if ctx.state.step == "relation":
        relation = clean_line(text)
        if len(relation) > MAX_RELATION:
            return outcome(ctx.state, reply(_("Please keep it shorter than {max} characters.", max=MAX_RELATION)))
        return _add(ctx, plist, role, relation or None)
    again = _family_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)


def _add(ctx: Context, plist: ProposalList, role: str, relation: str | None) -> Outcome:
    name = ctx.state.data["name"]
    by_child = role == "child"
    replies = [reply(_("Thank you! {name} is on the list. The coordinator will ask them.", name=name),
                     buttons=[[Button(_("➕ Suggest someone else"), f"{FAMILY_FLOW}:add")],
                              [Button(_("✔ That's everyone for now"), f"{FAMILY_FLOW}:done")]])]
    if plist.coordinator_chat_id:
        told = (_("💡 {who}, the child, would like {name} at the meetings about {case}. /proposals shows the list.",
                  who=ctx.person.name, name=name, case=plist.pseudonym) if by_child
                else _("💡 {who} suggests inviting {name} to the meetings about {case}. /proposals shows the list.",
                       who=ctx.person.name, name=name, case=plist.pseudonym))
        replies.append(reply(told, chat_id=plist.coordinator_chat_id, stamp_buttons=False, priority=NOTICE))
    return outcome(State(FAMILY_FLOW, "more", {"case": plist.case_id}), *replies,
                   changes=[AddProposal(plist.case_id, name, relation, by_child)])


def _family_again(ctx: Context) -> Outcome:
    found = _family_case(ctx)
    if found is None:
        return _gone()
    plist, role = found
    step = ctx.state.step
    if step == "name":
        return outcome(ctx.state, _ask_name())
    if step == "relation":
        return outcome(ctx.state, _ask_relation(role, ctx.state.data["name"]))
    if step == "offer":
        meeting_type = proposal_type(ctx.models, plist.model_id, plist.meetings, ctx.now)
        if meeting_type.proposal_question(role) is not None:
            return outcome(*offer(meeting_type, role, plist.case_id))
    return outcome(State(FAMILY_FLOW, "more", {"case": plist.case_id}),
                   reply(_("Would you like to suggest someone else?"), buttons=_more_buttons()))


class FamilyFlow:
    """A guardian's or the child's own suggestions."""

    FLOW = FAMILY_FLOW
    on_button = staticmethod(_family_button)
    on_text = staticmethod(_family_text)
    ask_again = staticmethod(_family_again)


# ---- the coordinator ----------------------------------------------------------------


def start(ctx: Context) -> Outcome:
    """/proposals: the coordinator's list, or a family member's own suggestions."""
    if ctx.person is None or not ctx.person.is_coordinator:
        return family_start(ctx)
    cases = [c for c in ctx.coordinated_cases if c.status == "open"]
    if not cases:
        return outcome(IDLE, reply(_("You have no open cases. Create one with /new.")))
    if ctx.proposals is None:
        return choose_case(FLOW, _("For which case do you want to see the family's suggestions?"), cases)
    return show_list(ctx)


def _plist(ctx: Context) -> ProposalList | None:
    """The case's list, if the reader coordinates it."""
    plist = ctx.proposals
    if plist is None or not may(ctx.person, "invite", ctx.case(plist.case_id)):
        return None
    return plist


def show_list(ctx: Context) -> Outcome:
    plist = _plist(ctx)
    if plist is None:
        return outcome(IDLE, reply(_("You can only invite people to your own open cases.")))
    meeting_type = proposal_type(ctx.models, plist.model_id, plist.meetings, ctx.now)
    parts = [_("<b>Who the family suggests for {case}</b>", case=plist.pseudonym)]
    if plist.proposals:
        parts.append(_("Go through them one at a time: ask each person, note their answer, and make a link for those who say yes."))
        parts += [_line(p) for p in plist.proposals]
    else:
        parts.append(_("The family has not suggested anyone yet."))
    buttons = [[Button(_short(p.name), f"{FLOW}:open:{p.id}")] for p in plist.proposals if p.status not in ("joined", "prepared")]
    if meeting_type is not None:
        buttons.append([Button(_("📨 Ask the family for suggestions"), f"{FLOW}:askfamily")])
    else:
        parts.append(_("The coming meeting does not ask the family for suggestions. /invite makes the invite links."))
    return outcome(State(FLOW, "list", {"case": plist.case_id}), reply(*parts, buttons=buttons))


def _line(p: ProposalView) -> T:
    if p.by_child:
        return _("{name} – {status} (the child's wish)", name=p.name, status=_status(p.status))
    return _("{name} – {status}", name=p.name, status=_status(p.status))


def _card(plist: ProposalList, p: ProposalView, *, intro: T | None = None) -> Outcome:
    parts = [intro] if intro else []
    parts.append(_("<b>{name}</b>", name=p.name))
    if p.relation:
        parts.append(_("How they know the child: {relation}", relation=p.relation))
    if p.proposer_name:
        parts.append(_("Suggested by {who}, the child", who=p.proposer_name) if p.by_child
                     else _("Suggested by {who}", who=p.proposer_name))
    parts.append(_("Now: {status}", status=_status(p.status)))
    rows: list[list[Button]] = []
    action = f"{FLOW}:set:{p.id}"
    if p.status == "proposed":
        rows.append([Button(_("📞 I have asked them"), f"{action}:asked")])
    if "agreed" in NEXT.get(p.status, ()):
        label = _("↩ They said yes after all") if p.status == "declined" else _("✅ They said yes")
        rows.append([Button(label, f"{action}:agreed")])
    if "declined" in NEXT.get(p.status, ()):
        rows.append([Button(_("❌ They said no"), f"{action}:declined")])
    if p.status == "agreed":
        rows.append([Button(_("🔗 Make their invite link"), f"{FLOW}:link:{p.id}")])
    if p.status == "link_sent":
        rows.append([Button(_("🔗 Make a new link (the old one stops working)"), f"{FLOW}:link:{p.id}")])
    if p.status == "declined" and not p.family_told and p.proposer_chat_id:
        rows.append([Button(_("💬 Tell {who} kindly", who=_short(p.proposer_name or "")), f"{FLOW}:tell:{p.id}")])
    rows.append([Button(_("⬅ Back to the list"), f"{FLOW}:list")])
    return outcome(State(FLOW, "card", {"case": plist.case_id, "p": p.id}), reply(*parts, buttons=rows))


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    if ctx.state.step == "case":
        if len(action) == 2 and action[0] == "case" and action[1].isdigit() and ctx.proposals is not None \
                and ctx.proposals.case_id == int(action[1]):
            return show_list(ctx)
        return None
    plist = _plist(ctx)
    if plist is None or plist.case_id != ctx.state.data.get("case"):
        return outcome(IDLE, reply(_("You can only invite people to your own open cases.")))
    match action:
        case ["list"]:
            return show_list(ctx)
        case ["askfamily"]:
            return _ask_family(ctx, plist)
        case ["open", pid] | ["set", pid, _] | ["link", pid] | ["tell", pid] if pid.isdigit():
            proposal = plist.get(int(pid))
            if proposal is None:
                list_again = show_list(ctx)
                return outcome(list_again.state, reply(_("This suggestion is no longer on the list.")), *list_again.replies)
            return _act(ctx, plist, proposal, action)
    return None


def _moved_on(plist: ProposalList, p: ProposalView) -> Outcome:
    return _card(plist, p, intro=_("This has moved on since that message. Here is where it stands now:"))


def _act(ctx: Context, plist: ProposalList, p: ProposalView, action: list[str]) -> Outcome:
    match action:
        case ["open", _pid]:
            return _card(plist, p)
        case ["set", _pid, status]:
            if status not in NEXT.get(p.status, ()):
                return _moved_on(plist, p)
            after = replace(p, status=status)
            shown = _card(plist, after)
            replies = list(shown.replies)
            if status == "agreed" and p.proposer_chat_id:
                replies.append(reply(_("💚 Good news: {name} has said yes to coming to the meetings about {case}.",
                                       name=p.name, case=plist.pseudonym),
                                     chat_id=p.proposer_chat_id, stamp_buttons=False, priority=NOTICE))
            return outcome(shown.state, *replies, changes=[SetProposalStatus(p.id, status)], toast=_("Noted"))
        case ["link", _pid]:
            if p.status not in ("agreed", "link_sent"):
                return _moved_on(plist, p)
            return _link(ctx, plist, p)
        case ["tell", _pid]:
            if p.status != "declined" or p.family_told or not p.proposer_chat_id:
                return _moved_on(plist, p)
            told = reply(_("{name} cannot come to the meetings about {case} this time. Thank you for thinking of them. "
                           "You are welcome to suggest someone else with /proposals.", name=p.name, case=plist.pseudonym),
                         chat_id=p.proposer_chat_id, stamp_buttons=False, priority=NOTICE)
            shown = _card(plist, replace(p, family_told=True),
                          intro=_("I have told {who} that {name} cannot come this time.", who=p.proposer_name, name=p.name))
            return outcome(shown.state, *shown.replies, told,
                           changes=[SetProposalStatus(p.id, "declined", family_told=True)])
    return _card(plist, p)


def _link(ctx: Context, plist: ProposalList, p: ProposalView) -> Outcome:
    token = ctx.new_token()
    expires_at = ctx.now + ctx.config.invite_ttl
    link = invite_link(ctx, token)
    changes = [CreateInvite(plist.case_id, PROPOSED_ROLE, token, expires_at, proposal_id=p.id)]
    if p.status == "link_sent" and p.invite_id:
        changes.insert(0, RevokeInvite(p.invite_id))
    sent = reply(
        _("<b>{name}'s own invite link</b>\n{link}\nValid until {until}. Send it to {name} only, by message, SMS or "
          "e-mail, or show the QR code: it works once. The list shows when {name} has joined.",
          name=p.name, link=link, until=Moment(expires_at, plist.timezone, "date")),
        buttons=[[Button(_("Revoke this link"), f"rv:{token_ref(token)}")]],
        qr_url=link,
        stamp_buttons=False,
    )
    shown = _card(plist, replace(p, status="link_sent"))
    return outcome(shown.state, sent, *shown.replies, changes=changes)


def _ask_family(ctx: Context, plist: ProposalList) -> Outcome:
    meeting_type = proposal_type(ctx.models, plist.model_id, plist.meetings, ctx.now)
    if meeting_type is None:
        return show_list(ctx)
    asked = [offer(meeting_type, role, plist.case_id, chat_id=chat)[1]
             for _pid, chat, role in plist.family if chat and meeting_type.proposal_question(role) is not None]
    if not asked:
        return outcome(ctx.state, reply(_("Nobody from the family has joined {case} yet. They are asked for their "
                                          "suggestions when they join.", case=plist.pseudonym)))
    return outcome(ctx.state, reply(ngettext("I have asked {n} person in the family for their suggestions.",
                                             "I have asked {n} people in the family for their suggestions.", len(asked))),
                   *asked)


def on_text(ctx: Context, text: str) -> Outcome:
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)


def ask_again(ctx: Context) -> Outcome:
    plist = _plist(ctx)
    if plist is None or plist.case_id != ctx.state.data.get("case"):
        return start(ctx) if ctx.state.step == "case" else outcome(IDLE, reply(_("You can only invite people to your own open cases.")))
    proposal = plist.get(ctx.state.data.get("p", 0)) if ctx.state.step == "card" else None
    return _card(plist, proposal) if proposal else show_list(ctx)


# ---- the nudge on /invite -------------------------------------------------------------


def invite_nudge(ctx: Context, case_id: int) -> T | None:
    """Before the network's links: the family's proposals come first."""
    plist = ctx.proposals
    if plist is None or plist.case_id != case_id:
        return None
    meeting_type = proposal_type(ctx.models, plist.model_id, plist.meetings, ctx.now)
    waiting = [p for p in plist.proposals if p.status in ("proposed", "asked", "agreed")]
    if waiting:
        return ngettext("💡 The family has suggested {n} person who has no link yet. The family decides who is invited: "
                        "go through their suggestions with /proposals before you send links to the network.",
                        "💡 The family has suggested {n} people who have no link yet. The family decides who is invited: "
                        "go through their suggestions with /proposals before you send links to the network.", len(waiting))
    if meeting_type is not None and not plist.proposals:
        return _("💡 The family decides who is invited, and has not suggested anyone yet. Send the family their links "
                 "first: they are asked when they join. /proposals shows their suggestions.")
    return None

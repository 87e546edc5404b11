"""People without Telegram: a young child, a grandmother with no smartphone,
a school's contact person. The coordinator adds them to a case (from /invite)
with their name, role and organisation, and answers for them in the bot.

    /invite ─"add someone without Telegram"─► name ─► role ─► organisation (or skip) ─► added
            ─"✖ name"─► remove? yes / no

They are attendees whose id is the negative of their row's id (never a
Person's id), with no chat (outcome.NO_CHAT): they are marked present or
absent, can answer for an action (its reminders go to the coordinator,
naming them), are named in the plan, and the coordinator records their
agreement on paper (flows.plan) and gets their copy of the PDF to hand over.
"""

from __future__ import annotations

from flows.access import may
from flows.context import Attendee, CaseView, Context
from flows.joining import MAX_NAME, clean_name
from flows.labels import role_name
from flows.outcome import IDLE, NO_CHAT, AddOfflineMember, Button, Outcome, RemoveOfflineMember, State, outcome, reply
from flows.text import Lines, _

FLOW = "offline"
MAX_ORGANISATION = 120


def attendee(member_id: int, name: str, role: str, organisation: str | None) -> Attendee:
    return Attendee(attendee_id(member_id), NO_CHAT, name, role, organisation=organisation)


def attendee_id(member_id: int) -> int:
    """The id the flows know them by: negative, so it can never be a Person's."""
    return -member_id


def member_id(person_id: int) -> int | None:
    return -person_id if person_id < 0 else None


def parse_person(text: str) -> int | None:
    """A person's id in callback data: someone in the bot (17) or without Telegram (-17)."""
    digits = text[1:] if text.startswith("-") else text
    return int(text) if digits.isdigit() and len(digits) < 12 else None


# ---- the coordinator's list -------------------------------------------------


def entry_button(case: CaseView) -> Button:
    return Button(_("👤 Add someone without Telegram"), f"{FLOW}:add")


def menu(ctx: Context, case: CaseView) -> Outcome:
    """Who takes part without Telegram, with a button to add someone and one to remove each."""
    lines = tuple(_line(p) for p in case.offline)
    parts = [_("👤 <b>Without Telegram</b> in {case}: people who take part without the bot, such as a young child, "
               "a grandparent without a smartphone or a contact person at school. You mark them present, they can answer "
               "for an action (you are reminded in their place), and you get their copy of the plan to hand over.",
               case=case.pseudonym)]
    parts.append(_("{lines}", lines=Lines(lines)) if lines else _("Nobody has been added without Telegram yet."))
    buttons = [[entry_button(case)]]
    buttons += [[Button(_("✖ Remove {name}", name=p.name), f"{FLOW}:rm:{member_id(p.person_id)}")] for p in case.offline]
    return outcome(State(FLOW, "menu", {"case": case.id}), reply(*parts, buttons=buttons))


def _line(person: Attendee):
    if person.organisation:
        return _("• {name} ({role}), {organisation}", name=person.name, role=role_name(person.role), organisation=person.organisation)
    return _("• {name} ({role})", name=person.name, role=role_name(person.role))


def _case(ctx: Context) -> CaseView | None:
    case = ctx.case(ctx.state.data.get("case", 0))
    return case if may(ctx.person, "invite", case) else None


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    case = _case(ctx)
    if case is None:
        return outcome(IDLE, reply(_("You can only invite people to your own open cases.")))
    data = {"case": case.id}
    match ctx.state.step, action:
        case "menu", ["add"]:
            return outcome(State(FLOW, "name", data), _ask_name())
        case "menu", ["rm", mid] if mid.isdigit() and _member(case, int(mid)):
            person = _member(case, int(mid))
            return outcome(State(FLOW, "remove", {**data, "member": int(mid)}), reply(
                _("Remove {name} from {case}? They are no longer named in attendance, actions or new versions of the plan.",
                  name=person.name, case=case.pseudonym),
                buttons=[[Button(_("Yes, remove"), f"{FLOW}:rmyes"), Button(_("No, keep"), f"{FLOW}:menu")]]))
        case "remove", ["rmyes"] if _member(case, ctx.state.data.get("member", 0)):
            person = _member(case, ctx.state.data["member"])
            return outcome(IDLE, reply(_("{name} is removed from {case}.", name=person.name, case=case.pseudonym)),
                           changes=[RemoveOfflineMember(case.id, ctx.state.data["member"])])
        case _, ["menu"]:
            return menu(ctx, case)
        case "role", ["role", role] if role in _roles(ctx, case):
            return outcome(State(FLOW, "organisation", {**ctx.state.data, "role": role}), _ask_organisation(ctx.state.data["name"]))
        case "organisation", ["skip"]:
            return _add(ctx, case, None)
    return None


def on_text(ctx: Context, text: str) -> Outcome:
    case = _case(ctx)
    if case is None:
        return outcome(IDLE, reply(_("You can only invite people to your own open cases.")))
    if ctx.state.step == "name":
        name = clean_name(text)
        if not name or len(name) > MAX_NAME:
            return outcome(ctx.state, reply(_("Please write a name of at most {max} characters.", max=MAX_NAME)))
        return outcome(State(FLOW, "role", {**ctx.state.data, "name": name}), _ask_role(name, _roles(ctx, case)))
    if ctx.state.step == "organisation":
        organisation = clean_name(text)
        if not organisation or len(organisation) > MAX_ORGANISATION:
            return outcome(ctx.state, reply(_("Please keep it shorter than {max} characters.", max=MAX_ORGANISATION)))
        return _add(ctx, case, organisation)
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)


def ask_again(ctx: Context) -> Outcome:
    case = _case(ctx)
    if case is None:
        return outcome(IDLE, reply(_("You can only invite people to your own open cases.")))
    step = ctx.state.step
    if step == "name":
        return outcome(ctx.state, _ask_name())
    if step == "role":
        return outcome(ctx.state, _ask_role(ctx.state.data["name"], _roles(ctx, case)))
    if step == "organisation":
        return outcome(ctx.state, _ask_organisation(ctx.state.data["name"]))
    return menu(ctx, case)


def _member(case: CaseView, mid: int) -> Attendee | None:
    return next((p for p in case.offline if p.person_id == attendee_id(mid)), None)


def _ask_name():
    return reply(_("What is their name? Write it as it should appear in the plan, for example “Grandma Aino” or "
                   "“Lena Berg”."))


def _roles(ctx: Context, case: CaseView) -> tuple[str, ...]:
    """The roles of the case's model: a reflecting team only where the model has one."""
    return ctx.models.get(case.model_id).roles


def _ask_role(name: str, roles: tuple[str, ...]):
    return reply(_("What is {name}'s part in the meetings?", name=name),
                 buttons=[[Button(role_name(role), f"{FLOW}:role:{role}")] for role in roles])


def _ask_organisation(name: str):
    return reply(_("Does {name} act for an organisation, such as a school or a health centre? Write its name, or skip.",
                   name=name), buttons=[[Button(_("Skip"), f"{FLOW}:skip")]])


def _add(ctx: Context, case: CaseView, organisation: str | None) -> Outcome:
    name, role = ctx.state.data["name"], ctx.state.data["role"]
    return outcome(IDLE, reply(_("✅ {name} takes part in {case} without Telegram, as {role}. Mark them present at the meeting "
                                 "as anyone else; what the bot would send them comes to you.",
                                 name=name, case=case.pseudonym, role=role_name(role))),
                   changes=[AddOfflineMember(case.id, name, role, organisation)])

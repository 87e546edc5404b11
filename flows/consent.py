"""Consent to exchange information for the plan (the SIP's consent).

Where the meeting type asks (`information_consent = true`), the guardians
consent, before the plan is drawn up, to the organisations named in the case
exchanging information about the child for this plan. The request names the
organisations; the answer is kept with its time; it can be withdrawn at any
time (the bot says plainly what stops and tells the coordinator); and when an
organisation is added, those who consented are asked again.

    plan part opened / organisation named ─► each guardian not covered: "Do you consent?"
        ─► yes / no ─► the coordinator is told
    /plan (a guardian who consented) ─► "withdraw" ─► recorded, the coordinator is told

A button carries the case and a short digest of the organisations it named:
if they have changed since, the person is shown the new list instead.
"""

from __future__ import annotations

import hashlib

from flows.context import Attendee, ConsentView, Context
from flows.outcome import NOTICE, Button, GiveConsent, Outcome, Reply, outcome, reply
from flows.text import Lines, Moment, T, _

GUARDIAN = "family"


def organisations_of(people) -> tuple[str, ...]:
    """The organisations named in the case: those the professionals act for."""
    return tuple(sorted({p.organisation for p in people if p.role == "professional" and p.organisation}, key=str.casefold))


def digest(organisations) -> str:
    return hashlib.sha256("\n".join(organisations).encode()).hexdigest()[:10]


def latest(consents, person_id: int) -> ConsentView | None:
    return next((c for c in reversed(consents) if c.person_id == person_id), None)


def covered(consent: ConsentView | None, organisations) -> bool:
    return consent is not None and consent.answer == "given" and set(organisations) <= set(consent.organisations)


def requests(case_id: int, pseudonym: str, people, consents, organisations) -> list[Reply]:
    """A request to each guardian whose consent does not cover these organisations (and who has not refused them)."""
    if not organisations:
        return []
    asked = []
    for person in people:
        mine = latest(consents, person.person_id)
        if person.role != GUARDIAN or covered(mine, organisations):
            continue
        if mine is not None and mine.answer == "refused" and set(mine.organisations) == set(organisations):
            continue  # they said no to exactly these: not asked again and again
        asked.append(request(case_id, pseudonym, person, organisations))
    return asked


def request(case_id: int, pseudonym: str, person: Attendee, organisations) -> Reply:
    code = digest(organisations)
    return reply(
        _("🤝 <b>Consent for the plan about {case}</b>\nTo work together on the plan, these organisations need to "
          "exchange information about your child with each other:\n{organisations}\nDo you consent to that? "
          "You can withdraw your consent at any time with /plan.",
          case=pseudonym, organisations=Lines(tuple(_("• {name}", name=o) for o in organisations))),
        buttons=[[Button(_("✅ Yes, I consent"), f"consent:yes:{case_id}:{code}"),
                  Button(_("No"), f"consent:no:{case_id}:{code}")]],
        chat_id=person.chat_id, stamp_buttons=False, priority=NOTICE, protect_content=True)


def consent_line(people, consent: ConsentView, timezone: str) -> T:
    who = next((p.name for p in people if p.person_id == consent.person_id), "–")
    orgs = ", ".join(consent.organisations)
    when = Moment(consent.at, timezone)
    if consent.answer == "given":
        return _("• {name}: consents ({when}) to {organisations}", name=who, when=when, organisations=orgs)
    if consent.answer == "withdrawn":
        return _("• {name}: withdrew the consent ({when})", name=who, when=when)
    return _("• {name}: does not consent ({when})", name=who, when=when)


def status_parts(people, consents, organisations, timezone: str) -> list[T]:
    """For the coordinator: each guardian's consent, or that they have not answered."""
    lines = []
    for person in people:
        if person.role != GUARDIAN:
            continue
        mine = latest(consents, person.person_id)
        if mine is None:
            lines.append(_("• {name}: has not answered yet", name=person.name))
        else:
            line = consent_line(people, mine, timezone)
            if mine.answer == "given" and not covered(mine, organisations):
                line = _("{line} – not yet to the organisations added since", line=line)
            lines.append(line)
    return [_("<b>Consent to exchange information</b>\n{lines}", lines=Lines(tuple(lines)))] if lines else []


def respond(ctx: Context, action: str, case_id: int, code: str | None) -> Outcome:
    """A guardian's own answer; the case's current organisations decide what it covers."""
    here = ctx.consent
    me = next((p for p in here.people if ctx.person and p.person_id == ctx.person.id), None) if here else None
    if here is None or here.case.id != case_id or me is None or me.role != GUARDIAN or here.case.status != "open":
        return outcome(ctx.state, toast=_("This button does not work here."))
    organisations = organisations_of(here.people)
    mine = latest(here.consents, me.person_id)
    if action == "withdraw":
        if mine is None or mine.answer != "given":
            return outcome(ctx.state, toast=_("This button does not work here."))
        told = _tell(here, _("⚠️ {name} has withdrawn the consent to exchange information for the plan about {case}. "
                             "The organisations may no longer share information about the child for the plan.",
                             name=me.name, case=here.case.pseudonym))
        return outcome(ctx.state, reply(_(
            "Your consent is withdrawn. From now on the organisations in the plan may not exchange information about "
            "your child with each other for the plan. What has already been written stays in the plan. "
            "The coordinator has been told and will talk with you about what happens now.")), *told,
            changes=[GiveConsent(case_id, mine.organisations, "withdrawn")])
    if code != digest(organisations) or not organisations:
        again = requests(here.case.id, here.case.pseudonym, (me,), (), organisations)
        return outcome(ctx.state, reply(_("The organisations in the plan have changed since you were asked. Here is the new list.")),
                       *[replace_chat(r, None) for r in again])
    if action == "yes":
        told = _tell(here, _("🤝 {name} consents to the organisations exchanging information for the plan about {case}.",
                             name=me.name, case=here.case.pseudonym))
        return outcome(ctx.state, reply(_("Thank you. Your consent is noted, with today's date.")), *told,
                       changes=[GiveConsent(case_id, organisations, "given")], toast=_("Thank you!"))
    if action == "no":
        told = _tell(here, _("{name} does not consent to the organisations exchanging information for the plan about {case}.",
                             name=me.name, case=here.case.pseudonym))
        return outcome(ctx.state, reply(_("Thank you for answering. Nothing is shared between the organisations for the plan "
                                          "without your consent. The coordinator will talk with you about it.")), *told,
                       changes=[GiveConsent(case_id, organisations, "refused")])
    return outcome(ctx.state, toast=_("This button does not work here."))


def replace_chat(r: Reply, chat_id: int | None) -> Reply:
    from dataclasses import replace

    return replace(r, chat_id=chat_id)


def _tell(here, text: T) -> list[Reply]:
    return [reply(text, chat_id=chat, stamp_buttons=False) for chat in here.coordinator_chats]


def withdraw_button(case_id: int) -> list[list[Button]]:
    return [[Button(_("Withdraw my consent"), f"consent:withdraw:{case_id}")]]


def own_status(case_id: int, consent: ConsentView | None, timezone: str) -> tuple[list[T], list[list[Button]]]:
    """What a guardian's /plan says of their own consent, with the button to withdraw it."""
    if consent is None or consent.answer != "given":
        return [], []
    return ([_("🤝 You consented on {when} to {organisations} exchanging information for the plan.",
               when=Moment(consent.at, timezone), organisations=", ".join(consent.organisations))],
            withdraw_button(case_id))

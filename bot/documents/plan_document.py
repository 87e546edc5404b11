"""The plan as a document a social services office files: built from a plan
version in the reader's language (plain translated strings, no chat markup or
emoji), then drawn as a PDF by `bot.documents` off the event loop."""

from __future__ import annotations

import re

from bot.documents import Document, Fields, Paragraph, Section, Signatures, Table
from bot.i18n import format_moment, render
from flows.context import PlanSnapshot
from flows.labels import role_name
from flows.plan import COLUMNS, column_title, served_goal, status_name
from flows.text import Moment, T, _


def _plain(text: T | str, language: str) -> str:
    return render(text, language, plain=True)


def _when(plan: PlanSnapshot, at, language: str, style: str = "datetime") -> str:
    return format_moment(Moment(at, plan.case.timezone, style), language)


def _who(plan: PlanSnapshot, person_id: int | None, language: str) -> str:
    person = plan.person(person_id)
    if person is not None:
        return person.name
    if person_id == plan.case.coordinator_id and plan.coordinator_name:
        return _plain(_("{name} (coordinator)", name=plan.coordinator_name), language)
    return _plain(_("someone who is no longer part of the case"), language)


def filename(plan: PlanSnapshot, language: str) -> str:
    """A file name the reader recognises: "plan-family-a-v2.pdf", in their language."""
    stem = _plain(_("plan"), language)
    case = re.sub(r"[^\w-]+", "-", plan.case.pseudonym.lower(), flags=re.UNICODE).strip("-") or "case"
    return f"{stem}-{case}-v{plan.number}.pdf"


def plan_document(plan: PlanSnapshot, language: str) -> Document:
    t = lambda text: _plain(text, language)  # noqa: E731 - a short local alias keeps the layout readable
    content = plan.content
    present = [p for p in plan.people if p.person_id in content.get("present", [])]
    absent = [p for p in plan.people if p.person_id not in content.get("present", [])]

    def named(people) -> str:
        return ", ".join(f"{p.name} ({t(role_name(p.role))})" for p in people) or "–"

    facts = [(t(_("Case")), plan.case.pseudonym)]
    if plan.meeting is not None:
        meeting = t(T(plan.meeting_name)) if plan.meeting_name else ""
        facts.append((t(_("Meeting")), f"{meeting}, {_when(plan, plan.meeting.starts_at, language)}".strip(", ")))
    facts += [(t(_("Version")), str(plan.number)), (t(_("Made")), _when(plan, plan.created_at, language))]
    if plan.coordinator_name:
        facts.append((t(_("Coordinator")), plan.coordinator_name))
    facts += [(t(_("Taking part")), named(present)), (t(_("Not at the meeting")), named(absent))]
    if content.get("absent_reason"):
        facts.append((t(_("Why the child was not there")), content["absent_reason"]))
    sections = [Section(t(_("About this plan")), (Fields(tuple(facts)),))]
    if content.get("agenda"):
        points = "\n".join(f"{n}. {point}" for n, point in enumerate(content["agenda"], start=1))
        sections.append(Section(t(_("Points for the meeting")), (Paragraph(points),)))

    goals = content.get("goals", [])
    if goals:
        rows = []
        for goal in goals:
            text = "\n".join([goal["text"], *(f"– {sub}" for sub in goal.get("sub", []))])
            status = t(status_name(goal["status"])) if goal.get("carried") and goal.get("status") else t(_("new"))
            rows.append((text, _scale(goal.get("now")), _scale(goal.get("wanted")), status))
        sections.append(Section(t(_("Goals")), (
            Paragraph(t(_("In the family's own words. The scales go from 0 to 10."))),
            Table((t(_("Goal")), t(_("Now")), t(_("Wanted")), t(_("Status"))), tuple(rows), (6, 1, 1, 1.6)),
        )))
    if content.get("situation"):
        sections.append(Section(t(_("The current situation")), (Paragraph(content["situation"]),)))
    columns = content.get("columns", {})
    if any(columns.get(k) for k in COLUMNS):
        sections.append(Section(t(_("The three columns")), tuple(
            Section(t(column_title(k)), (Paragraph(columns[k]),)) for k in COLUMNS if columns.get(k))))

    if plan.actions:
        rows = []
        for task in plan.actions:
            owners = []
            for pid, name, _accepted in task.owners:
                person = plan.person(pid)
                organisation = person.organisation if person is not None else None
                owners.append(f"{person.name if person else name}" + (f" ({organisation})" if organisation else ""))
            due = _when(plan, task.due_at, language, "short_date") if task.due_at else "–"
            status = t(_("done")) if task.status == "done" else t(_("open"))
            goal = served_goal(content, task.ref)
            what = "\n".join((task.what, t(_("For the goal: {goal}", goal=goal)))) if goal else task.what
            rows.append((what, "; ".join(owners), due, status))
        sections.append(Section(t(_("Actions: who does what, by when")), (
            Table((t(_("What")), t(_("Who (organisation)")), t(_("By")), t(_("Status"))), tuple(rows), (5, 3.5, 1.6, 1.2)),)))
    else:
        sections.append(Section(t(_("Actions: who does what, by when")), (Paragraph(t(_("No actions were written down."))),)))

    responsibility = content.get("responsibility")
    if responsibility:
        pairs = [(t(_("Person")), _who(plan, responsibility.get("person_id"), language))]
        if responsibility.get("organisation"):
            pairs.append((t(_("Organisation")), responsibility["organisation"]))
        sections.append(Section(t(_("Overall responsibility")), (Fields(tuple(pairs)),)))
    if content.get("evaluation"):
        sections.append(Section(t(_("How it has gone since last time")), (Paragraph(content["evaluation"]),)))

    if plan.views:
        blocks = []
        for view in plan.views:
            label = t(_("{name} ({role}), {when}", name=view.name, role=role_name(view.role),
                        when=Moment(view.at, plan.case.timezone)))
            if view.source == "own":
                label = t(_("{label} – their own answer from the preparation", label=label))
            blocks += [Paragraph(label, "note"), Paragraph(view.text, "quote")]
        sections.append(Section(t(_("The child's and the parents' views, in their own words")), tuple(blocks)))

    asked = plan.asked_to_agree()
    if asked:
        rows, signing = [], []
        for person in asked:
            answer = plan.answer_of(person.person_id)
            if answer is None:
                said, when, note = t(_("not answered yet")), "–", ""
            elif answer.on_paper is not None:  # someone without Telegram, recorded by the coordinator
                said, when, note = t(_("agreed on paper")), _when(plan, answer.on_paper, language, "date"), ""
            else:
                said = {"agree": t(_("agrees")), "disagree": t(_("does not agree")), "read": t(_("has read it"))}[answer.answer]
                when, note = _when(plan, answer.at, language), answer.note or ""
            role = t(role_name(person.role))
            if person.without_telegram:
                role = t(_("{role}, without Telegram", role=role_name(person.role)))
            rows.append((person.name, role, said, when, note))
            if answer is not None and answer.on_paper is not None:
                recorded = t(_("Agreed on paper {date}", date=Moment(answer.on_paper, plan.case.timezone, "date")))
            else:
                recorded = t(_("Agreed {when}", when=Moment(answer.at, plan.case.timezone))) if answer and answer.answer == "agree" else ""
            signing.append((f"{person.name}, {t(role_name(person.role))}", recorded))
        sections.append(Section(t(_("Agreement to the plan")), (
            Table((t(_("Name")), t(_("Role")), t(_("Answer")), t(_("When")), t(_("In their words"))), tuple(rows),
                  (2.2, 2.6, 1.9, 2.6, 3.2)),
            Signatures(tuple(signing)),
        )))

    if plan.information_consent:
        from flows import consent

        rows = []
        for person in plan.people:
            if person.role != consent.GUARDIAN:
                continue
            given = consent.latest(plan.consents, person.person_id)
            if given is None:
                rows.append((person.name, t(_("not answered yet")), "–", ""))
                continue
            said = {"given": t(_("consents")), "refused": t(_("does not consent")), "withdrawn": t(_("withdrawn"))}[given.answer]
            rows.append((person.name, said, _when(plan, given.at, language), ", ".join(given.organisations)))
        if rows:
            sections.append(Section(t(_("Consent to exchange information")), (
                Paragraph(t(_("The guardians' consent to the organisations named exchanging information for this plan."))),
                Table((t(_("Name")), t(_("Answer")), t(_("When")), t(_("Organisations"))), tuple(rows), (2.2, 1.8, 2.6, 4.4)),
            )))

    next_parts = []
    if plan.next_meeting is not None:
        next_parts.append((t(_("Date")), _when(plan, plan.next_meeting.starts_at, language)))
        next_parts.append((t(_("Place")), plan.next_meeting.place or "–"))
    if "next_people" in content:
        next_parts.append((t(_("Taking part next time")), named([p for p in plan.people if p.person_id in content["next_people"]])))
    if next_parts:
        sections.append(Section(t(_("Next meeting")), (Fields(tuple(next_parts)),)))

    subtitle = t(_("Version {n}", n=plan.number))
    if plan.meeting is not None:
        subtitle = t(_("Version {n}, from the meeting on {date}", n=plan.number, date=Moment(plan.meeting.starts_at, plan.case.timezone, "date")))
    return Document(
        title=t(_("Plan for {case}", case=plan.case.pseudonym)),
        subtitle=subtitle,
        sections=tuple(sections),
        footer=t(_("{case} · plan version {n} · confidential", case=plan.case.pseudonym, n=plan.number)),
        page_label=t(_("Page {page} of {pages}", page="{page}", pages="{pages}")),
        language=language,
        created=plan.created_at,
        # An older version is kept readable, and says plainly that it is not the one in force.
        stamp="" if plan.latest else t(_("Replaced by a newer version")),
    )


def _scale(value) -> str:
    return "–" if value is None else str(value)


"""The plan: the meeting's product and a versioned record of the case.

During the meeting the coordinator writes down, at the steps whose model says
so (`plan = [...]` in the model file), the goals in the family's words (with
sub-goals and 0-10 scales), the current situation, the three columns, the
overall responsibility, the child's and the guardians' own views and the
evaluation. Actions are the meeting's tasks. When the meeting ends the draft
becomes a new version, sent with its PDF to everyone taking part in the case.

    control ─"🎯 goals"─► goals ─add─► goal text ─► now 0-10 ─► wanted 0-10 ─► goals
                                  └tap─► one goal: kept / changed / reached / dropped
            ─"📝 current situation" / "🔎 evaluation"─► text ─► control
            ─"🧭 three columns"─► worries ─► working well ─► needs to happen ─► control
            ─"🧑‍💼 overall responsibility"─► who ─► organisation ─► control
            ─"🧒 views"─► whose ─► their words ─► control
    ended: everyone gets the plan; guardians, the young person (where the model
    asks) and those answering for an action: agree / not agree (a few words);
    the others: "I have read it". /plan shows the current plan and its PDF.

The draft lives in the meeting's progress (sealed at rest); views are rows of
their own (added to, never overwritten). Buttons on a plan carry the
version's random reference; whose answer it is comes from the presser.
"""

from __future__ import annotations

from dataclasses import replace

from flows import consent, goal_progress
from flows.access import may
from flows.agenda import points_list
from flows.common import names
from flows.context import Attendee, Context, MeetingRun, PlanSnapshot, PlanViewEntry
from flows.labels import role_name
from flows.outcome import (
    IDLE,
    NOTICE,
    AddPlanView,
    AnswerPlan,
    Audit,
    Button,
    CreatePlanVersion,
    Outcome,
    PlanPdf,
    RecordPaperAnswer,
    Reply,
    SetOrganisation,
    State,
    SetTaskStatus,
    UpdateMeeting,
    outcome,
    reply,
)
from flows.text import Lines, Moment, T, _

FLOW = "plan"  # the coordinator writing the plan during the meeting, and /plan
ANSWER_FLOW = "planno"  # someone writing why they do not agree
# The coordinator recording the answer of someone without Telegram (flows.offline), from /plan.
PAPER_STEPS = ("paper", "paper_answer", "paper_date", "paper_note")
MAX_TEXT = 5000  # a view, a goal or the situation is kept whole up to this
MAX_ORGANISATION = 120
GOAL_STATUSES = ("kept", "changed", "reached", "dropped")
VIEW_ROLES = ("child", "family")
COLUMNS = ("worries", "working", "next")


# ---- the draft ---------------------------------------------------------------


def carried_over(previous: PlanSnapshot | None) -> dict:
    """A new meeting's plan starts from the last one: its goals (to be kept,
    changed, reached or dropped) and who has the overall responsibility."""
    if previous is None:
        return {"goals": []}
    goals = [{**g, "carried": True, "status": "kept"} for g in previous.content.get("goals", [])
             if g.get("status") not in ("reached", "dropped")]
    draft: dict = {"goals": goals, "previous": previous.number}
    if previous.content.get("action_goals"):  # the open actions carried over still serve their goals
        draft["action_goals"] = dict(previous.content["action_goals"])
    if previous.content.get("responsibility"):
        draft["responsibility"] = previous.content["responsibility"]
    return draft


def draft_of(run: MeetingRun) -> dict:
    return dict(run.progress["plan"]) if "plan" in run.progress else carried_over(run.previous_plan)


def _save(ctx: Context, run: MeetingRun, draft: dict, then: Outcome | None = None, note: T | None = None) -> Outcome:
    progress = {**run.progress, "plan": draft}
    updated = replace(run, progress=progress)
    change = UpdateMeeting(run.meeting.id, progress)
    ctx = replace(ctx, meeting_run=updated)
    result = then or _back(ctx, note=note)
    return outcome(result.state, *result.replies, changes=[change, *result.changes])


def _clean(text: str) -> str:
    """People's own words, verbatim: only the ends are trimmed."""
    return text.strip()[:MAX_TEXT]


# ---- the coordinator's buttons on the control message ------------------------

PART_LABELS = {
    "goals": lambda: _("🎯 Goals"),
    "situation": lambda: _("📝 Current situation"),
    "safety_columns": lambda: _("🧭 The three columns"),
    "responsibility": lambda: _("🧑‍💼 Overall responsibility"),
    "views": lambda: _("🧒 The child's and the parents' views"),
    "evaluation": lambda: _("🔎 How has it gone?"),
}


def parts_of(step) -> tuple[str, ...]:
    """What a step writes into the plan; an older model's "child_view" record means the views."""
    return step.plan + (("views",) if "child_view" in step.records and "views" not in step.plan else ())


def control_buttons(step, run: MeetingRun) -> list[list[Button]]:
    parts = parts_of(step)
    buttons = [[Button(PART_LABELS[part](), f"meeting:plan:{part}")] for part in parts if part in PART_LABELS]
    if parts and any(p.role == "professional" for p in run.people):
        buttons.append([Button(_("🏢 Who works where"), "meeting:plan:orgs")])
    return buttons


def draft_summary(run: MeetingRun) -> T | None:
    draft = draft_of(run)
    goals = [g for g in draft.get("goals", []) if g.get("status") != "dropped"]
    noted = len(run.views)
    if not goals and not noted and not draft.get("situation"):
        return None
    return _("📋 In the plan so far: {goals} goals, {views} views noted.", goals=len(goals), views=noted)


def _consent_requests(ctx: Context, run: MeetingRun, people) -> tuple[list[Reply], dict | None]:
    """Where the model asks for it, the guardians consent to the organisations named in the case
    exchanging information, before the plan is drawn up; a new organisation asks again."""
    meeting_type = ctx.models.get(run.case.model_id).meeting_type(run.meeting.meeting_type)
    organisations = consent.organisations_of(people)
    code = consent.digest(organisations)
    if not meeting_type.information_consent or not organisations or run.progress.get("consent_asked") == code:
        return [], None
    # Only those in the bot can be asked; a guardian without Telegram consents on paper, outside the bot.
    asked = consent.requests(run.case.id, run.case.pseudonym, [p for p in people if not p.without_telegram],
                             run.consents, organisations)
    if not asked:
        return [], None
    names_asked = [p for p in people if p.chat_id in {r.chat_id for r in asked}]
    note = reply(_("🤝 Before the plan is drawn up, I have asked {names} to consent to {organisations} exchanging "
                   "information for it. /plan shows their answers.", names=names(names_asked),
                   organisations=", ".join(organisations)))
    return [note, *asked], {**run.progress, "consent_asked": code}


def with_consent(ctx: Context, run: MeetingRun, result: Outcome, people=None) -> Outcome:
    asked, progress = _consent_requests(ctx, run, people if people is not None else run.people)
    if not asked:
        return result
    changes = [*result.changes]
    if any(isinstance(c, UpdateMeeting) for c in changes):
        changes = [replace(c, progress={**c.progress, "consent_asked": progress["consent_asked"]})
                   if isinstance(c, UpdateMeeting) else c for c in changes]
    else:
        changes.append(UpdateMeeting(run.meeting.id, progress))
    return outcome(result.state, *result.replies, *asked, changes=changes, toast=result.toast, clear_buttons=result.clear_buttons)


def begin(ctx: Context, part: str) -> Outcome | None:
    """A plan button on the control message (only at a step that writes that part)."""
    result = _begin(ctx, part)
    return with_consent(ctx, ctx.meeting_run, result) if result is not None else None


def _begin(ctx: Context, part: str) -> Outcome | None:
    run = ctx.meeting_run
    parts = _parts_here(ctx, run)
    if part not in parts and not (part == "orgs" and parts):
        return None
    state = State(FLOW, part, _data(ctx, run))
    draft = draft_of(run)
    if part == "goals":
        return outcome(State(FLOW, "goals", _data(ctx, run)), _goals_message(run, draft))
    if part == "situation":
        return outcome(state, reply(_("📝 Write the current situation as it was described, in a few sentences. "
                                      "It is added to what is already written."), *_so_far(draft.get("situation"))))
    if part == "evaluation":
        return outcome(state, reply(_("🔎 How has the work gone since last time? What has helped, what must change, "
                                      "and are more meetings needed? Write what was said."), *_so_far(draft.get("evaluation"))))
    if part == "safety_columns":
        return _ask_column(ctx, run, 0)
    if part == "responsibility":
        people = [p for p in run.people if p.role == "professional"]
        buttons = [[Button(_("{name}", name=p.name), f"plan:resp:{p.person_id}")] for p in people]
        buttons.append([Button(_("Me, the coordinator"), "plan:resp:me")])
        buttons.append([Button(_("◀ Back"), "plan:back")])
        return outcome(state, reply(_("🧑‍💼 Who has the overall responsibility for the plan?"), buttons=buttons))
    if part == "views":
        people = [p for p in run.people if p.role in VIEW_ROLES]
        if not people:
            return outcome(ctx.state, reply(_("No child or parent has joined this case, so there is nobody whose view to note.")))
        buttons = [[Button(_("{name} ({role})", name=p.name, role=role_name(p.role)), f"plan:view:{p.person_id}")] for p in people]
        buttons.append([Button(_("◀ Back"), "plan:back")])
        return outcome(state, reply(_("🧒 Whose view do you want to note? It is kept in their own words, beside what others said."),
                                    buttons=buttons))
    if part == "orgs":
        return outcome(state, _organisations(run))
    return None


def _steps(ctx: Context, run: MeetingRun):
    return ctx.models.get(run.case.model_id).meeting_type(run.meeting.meeting_type).steps


def _so_far(text: str | None) -> list[T]:
    return [_("<b>Written so far:</b>\n{text}", text=text)] if text else []


def _organisations(run: MeetingRun) -> Reply:
    professionals = [p for p in run.people if p.role == "professional"]
    lines = tuple(_("{name}: {organisation}", name=p.name, organisation=p.organisation or "–") for p in professionals)
    buttons = [[Button(_("{name}", name=p.name), f"plan:org:{p.person_id}")] for p in professionals]
    buttons.append([Button(_("◀ Back"), "plan:back")])
    return reply(_("🏢 Which organisation does each professional act for? It is named in the plan beside their actions.\n{lines}",
                   lines=Lines(lines)), buttons=buttons)


# ---- goals ---------------------------------------------------------------------


def _scales_asked(ctx: Context, run: MeetingRun) -> bool:
    return "goal_scales" in _parts_here(ctx, run)


def goal_line(goal: dict) -> T:
    parts: list[T] = [_("• {goal}", goal=goal["text"])]
    parts += [_("   – {sub}", sub=sub) for sub in goal.get("sub", [])]
    if goal.get("now") is not None or goal.get("wanted") is not None:
        parts.append(_("   Now {now} of 10 · we want to reach {wanted}", now=_scale(goal.get("now")), wanted=_scale(goal.get("wanted"))))
    if goal.get("carried") and goal.get("status") in GOAL_STATUSES:
        parts.append(_("   ({status})", status=status_name(goal["status"])))
    return _("{lines}", lines=Lines(tuple(parts)))


def _scale(value) -> str:
    return "–" if value is None else str(value)


def status_name(status: str) -> T:
    return {"kept": _("kept"), "changed": _("changed"), "reached": _("reached"), "dropped": _("dropped")}[status]


def _goals_message(run: MeetingRun, draft: dict, edit: int | None = None) -> Reply:
    goals = draft.get("goals", [])
    parts = [_("🎯 <b>Goals</b>: what the family wants to be different, in their own words.")]
    if goals:
        parts.append(_("{goals}", goals=Lines(tuple(_with_progress(run, g) for g in goals))))
        parts.append(_("Tap a goal to change it or to say how it stands."))
    buttons = [[Button(_("{n}. {goal}", n=i + 1, goal=g["text"][:40]), f"plan:goal:{i}")] for i, g in enumerate(goals)]
    buttons.append([Button(_("➕ Add a goal"), "plan:addgoal")])
    if _carried_actions(run):
        buttons.append([Button(_("📌 Actions from last time"), "plan:actions")])
    buttons.append([Button(_("✅ Done"), "plan:back")])
    return reply(*parts, buttons=buttons, edit_message_id=edit)


def _carried_actions(run: MeetingRun) -> tuple:
    """The actions still open from the last plan: carried over unless the coordinator says they are done or dropped."""
    mine = {t.ref for t in run.tasks}
    return tuple(t for t in (run.previous_plan.actions if run.previous_plan else ()) if t.status == "open" and t.ref not in mine)


def _actions_message(run: MeetingRun) -> Reply:
    actions = _carried_actions(run)
    buttons = []
    for i, task in enumerate(actions):
        buttons.append([Button(_("{n}. ✅ Done", n=i + 1), f"plan:act:{task.ref}:done"),
                        Button(_("{n}. ✖ Dropped", n=i + 1), f"plan:act:{task.ref}:cancelled")])
    buttons.append([Button(_("◀ Back"), "plan:goals")])
    lines = tuple(_("{n}. {what}", n=i + 1, what=t.what) for i, t in enumerate(actions))
    return reply(_("📌 <b>Actions from last time</b> that are still open. They are carried over into the new plan "
                   "unless you mark them done or dropped.\n{lines}", lines=Lines(lines)), buttons=buttons)


def _ask_goal_text() -> Reply:
    return reply(_("Write the goal as the family says it. Sub-goals can follow on their own lines, each starting with a dash (-)."))


def _parse_goal(text: str) -> dict:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    main = [line for line in lines if not line.startswith("-")]
    subs = [line.lstrip("-").strip() for line in lines if line.startswith("-")]
    return {"text": "\n".join(main) if main else subs.pop(0), "sub": [s for s in subs if s]}


def _scale_buttons(kind: str) -> list[list[Button]]:
    return [[Button(str(n), f"plan:{kind}:{n}") for n in range(0, 6)],
            [Button(str(n), f"plan:{kind}:{n}") for n in range(6, 11)],
            [Button(_("Skip"), f"plan:{kind}:skip")]]


def _ask_now(goal: dict) -> Reply:
    return reply(_("<b>{goal}</b>\nWhere are we now, from 0 to 10?", goal=goal["text"]), buttons=_scale_buttons("now"))


def _ask_wanted(goal: dict) -> Reply:
    return reply(_("<b>{goal}</b>\nWhere do we want to be, from 0 to 10?", goal=goal["text"]), buttons=_scale_buttons("wanted"))


def _progress_of(run: MeetingRun, goal: dict) -> tuple:
    """What people shared in preparation about how a carried goal is going."""
    return goal_progress.shared_about(goal["key"], run.people) if goal.get("carried") and goal.get("key") else ()


def _with_progress(run: MeetingRun, goal: dict) -> T:
    shared = _progress_of(run, goal)
    line = goal_progress.numbers_line(shared) if shared else None
    return _("{goal}\n{progress}", goal=goal_line(goal), progress=line) if line else goal_line(goal)


def _goal_menu(run: MeetingRun, draft: dict, index: int, scales: bool) -> Reply:
    goal = draft["goals"][index]
    parts = [goal_line(goal)]
    shared = _progress_of(run, goal)
    if shared:
        parts.append(_("<b>How it is going, from preparation:</b>\n{answers}", answers=Lines(goal_progress.answer_lines(shared))))
    buttons = []
    average = goal_progress.average(shared)
    if scales and average is not None:
        buttons.append([Button(_("📣 Now {n} of 10, from preparation", n=goal_progress.rounded(average)), f"plan:gp:{index}")])
    if goal.get("carried"):
        buttons.append([Button(_("Kept"), f"plan:gs:{index}:kept"), Button(_("Changed"), f"plan:gs:{index}:changed")])
        buttons.append([Button(_("Reached 🎉"), f"plan:gs:{index}:reached"), Button(_("Dropped"), f"plan:gs:{index}:dropped")])
    buttons.append([Button(_("✏️ New words"), f"plan:gw:{index}")])
    if scales:
        buttons.append([Button(_("📊 Where are we now?"), f"plan:gn:{index}")])
    if not goal.get("carried"):
        buttons.append([Button(_("🗑 Remove"), f"plan:gx:{index}")])
    buttons.append([Button(_("◀ Back"), "plan:goals")])
    return reply(*parts, buttons=buttons)


# ---- the three columns -----------------------------------------------------------


def _ask_column(ctx: Context, run: MeetingRun, index: int) -> Outcome:
    questions = (_("🧭 What are we worried about? Write what was agreed."),
                 _("🧭 What is working well?"),
                 _("🧭 What needs to happen?"))
    state = State(FLOW, "columns", {**_data(ctx, run), "column": index})
    return outcome(state, reply(questions[index], buttons=[[Button(_("Skip"), "plan:colskip")]]))


def column_title(key: str) -> T:
    return {"worries": _("What we are worried about"), "working": _("What is working well"),
            "next": _("What needs to happen")}[key]


# ---- buttons and text while writing -------------------------------------------------


def _amending(ctx: Context) -> bool:
    return bool(ctx.state.data.get("amend"))


def _data(ctx: Context, run: MeetingRun) -> dict:
    """The state's data: the meeting, and when the plan is changed after the meeting, the version it changes."""
    return {"meeting": run.meeting.id, **({"amend": ctx.state.data["amend"]} if _amending(ctx) else {})}


def _parts_here(ctx: Context, run: MeetingRun) -> tuple[str, ...]:
    """What may be written now: the current step's parts, or after the meeting every part the meeting writes."""
    steps = _steps(ctx, run)
    if _amending(ctx):
        return tuple(dict.fromkeys(part for step in steps for part in parts_of(step)))
    index = run.progress.get("step")
    return parts_of(steps[index]) if index is not None and run.meeting.status == "running" else ()


def _back(ctx: Context, note: T | None = None) -> Outcome:
    from flows import running

    return amend_menu(ctx, note=note) if _amending(ctx) else running.control(ctx, note=note)


def _guard(ctx: Context) -> MeetingRun | None:
    run = ctx.meeting_run
    if run is None or not may(ctx.person, "run_meeting", run.case):
        return None
    if run.meeting.status == "running" or (_amending(ctx) and run.meeting.status == "ended"):
        return run
    return None


# ---- changing the plan after the meeting ---------------------------------------------------------


def amend_start(ctx: Context) -> Outcome | None:
    """/plan's "change the plan": the latest version's meeting is opened for writing again."""
    plan, run = ctx.plan, ctx.meeting_run
    if plan is None or run is None or plan.meeting is None or run.meeting.id != plan.meeting.id or not plan.latest \
            or not may(ctx.person, "run_meeting", run.case):
        return None
    ctx = replace(ctx, state=State(FLOW, "amend", {"meeting": run.meeting.id, "amend": plan.number}))
    return amend_menu(ctx)


def amend_menu(ctx: Context, note: T | None = None) -> Outcome:
    run = ctx.meeting_run
    data = _data(ctx, run)
    buttons = [[Button(PART_LABELS[part](), f"plan:part:{part}")] for part in _parts_here(ctx, run) if part in PART_LABELS]
    if any(p.role == "professional" for p in run.people):
        buttons.append([Button(_("🏢 Who works where"), "plan:part:orgs")])
    buttons.append([Button(_("📣 Send the changed plan"), "plan:send")])
    parts = [_("✏️ <b>Changing the plan</b> (version {n}). Choose what to change. When you send it, it becomes "
               "version {next}, and everyone is asked again whether they agree.", n=data["amend"], next=data["amend"] + 1)]
    if note is not None:
        parts.append(note)
    return outcome(State(FLOW, "amend", data), reply(*parts, buttons=buttons))


def _send_amended(ctx: Context, run: MeetingRun) -> Outcome:
    snapshot, version = new_version(ctx, run)
    snapshot = replace(snapshot, number=ctx.state.data["amend"] + 1)
    told = sent_to_everyone(ctx, snapshot, _("The plan has been changed. Here is the new version: "
                                             "the plan may not be changed without your approval, so you are asked again."))
    done = reply(_("The changed plan is sent to everyone taking part in the case. /plan shows who has agreed to it."),
                 *plan_parts(snapshot), document=PlanPdf(snapshot.ref), protect_content=True)
    return outcome(IDLE, done, *told, changes=[version])


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    from flows import running

    if ctx.state.step in ("shown", "case", *PAPER_STEPS):
        return _on_shown_button(ctx, action)
    run = _guard(ctx)
    if run is None:
        return outcome(IDLE, reply(_("The plan is written while the meeting runs. /meeting shows where it is.")))
    draft = draft_of(run)
    data = _data(ctx, run)
    scales = _scales_asked(ctx, run)
    if ctx.state.step == "amend":
        if action == ["send"]:
            return _send_amended(ctx, run)
        if len(action) == 2 and action[0] == "part":
            return begin(ctx, action[1])
        return None
    goals = draft.get("goals", [])

    def goal_index(text: str) -> int | None:
        return int(text) if text.isdigit() and int(text) < len(goals) else None

    match ctx.state.step, action:
        case _, ["back"]:
            return _back(ctx)
        case _, ["goals"]:
            return outcome(State(FLOW, "goals", data), _goals_message(run, draft))
        case _, ["actions"] if _carried_actions(run):
            return outcome(State(FLOW, "actions", data), _actions_message(run))
        case "actions", ["act", ref, status] if status in ("done", "cancelled") and ref in {t.ref for t in _carried_actions(run)}:
            task = next(t for t in _carried_actions(run) if t.ref == ref)
            left = replace(run.previous_plan, actions=tuple(t for t in run.previous_plan.actions if t.ref != ref))
            updated = replace(run, previous_plan=left)
            done = _("✅ Noted as done: {what}", what=task.what) if status == "done" else _("Noted as dropped: {what}", what=task.what)
            after = outcome(State(FLOW, "actions", data), reply(done), _actions_message(updated)) if _carried_actions(updated) \
                else outcome(State(FLOW, "goals", data), reply(done), _goals_message(updated, draft))
            return outcome(after.state, *after.replies, changes=[SetTaskStatus(ref, status)])
        case "goals", ["addgoal"]:
            return outcome(State(FLOW, "goal_text", data), _ask_goal_text())
        case "goals", ["goal", i] if goal_index(i) is not None:
            return outcome(State(FLOW, "goal", {**data, "goal": int(i)}), _goal_menu(run, draft, int(i), scales))
        case "goal", ["gs", i, status] if goal_index(i) is not None and status in GOAL_STATUSES:
            goals[int(i)] = {**goals[int(i)], "status": status}
            draft = {**draft, "goals": goals}
            return _save(ctx, run, draft, outcome(State(FLOW, "goals", data), _goals_message(run, draft)))
        case "goal", ["gw", i] if goal_index(i) is not None:
            return outcome(State(FLOW, "goal_text", {**data, "goal": int(i)}), _ask_goal_text())
        case "goal", ["gp", i] if goal_index(i) is not None and scales \
                and goal_progress.average(_progress_of(run, goals[int(i)])) is not None:
            # The coordinator takes the goal's new "now" from how people said it is going.
            now = goal_progress.rounded(goal_progress.average(_progress_of(run, goals[int(i)])))
            goals[int(i)] = {**goals[int(i)], "now": now}
            draft = {**draft, "goals": goals}
            return _save(ctx, run, draft, outcome(State(FLOW, "goals", data), reply(_("Noted for the plan.")),
                                                  _goals_message(run, draft)))
        case "goal", ["gn", i] if goal_index(i) is not None and scales:
            return outcome(State(FLOW, "goal_now", {**data, "goal": int(i)}), _ask_now(goals[int(i)]))
        case "goal", ["gx", i] if goal_index(i) is not None and not goals[int(i)].get("carried"):
            draft = {**draft, "goals": [g for k, g in enumerate(goals) if k != int(i)]}
            return _save(ctx, run, draft, outcome(State(FLOW, "goals", data), _goals_message(run, draft)))
        case "goal_now", ["now", value] if value.isdigit() and int(value) <= 10 or value == "skip":
            i = ctx.state.data["goal"]
            goals[i] = {**goals[i], "now": int(value) if value.isdigit() else None}
            draft = {**draft, "goals": goals}
            return _save(ctx, run, draft, outcome(State(FLOW, "goal_wanted", {**data, "goal": i}), _ask_wanted(goals[i])))
        case "goal_wanted", ["wanted", value] if value.isdigit() and int(value) <= 10 or value == "skip":
            i = ctx.state.data["goal"]
            goals[i] = {**goals[i], "wanted": int(value) if value.isdigit() else None}
            draft = {**draft, "goals": goals}
            return _save(ctx, run, draft, outcome(State(FLOW, "goals", data), _goals_message(run, draft)))
        case "columns", ["colskip"]:
            return _next_column(ctx, run, draft, None)
        case "responsibility", ["resp", who] if who == "me" or (who.isdigit() and _professional(run, int(who))):
            person = None if who == "me" else _professional(run, int(who))
            if person is None:
                draft = {**draft, "responsibility": {"person_id": ctx.person.id, "coordinator": True,
                                                     "organisation": draft.get("responsibility", {}).get("organisation")}}
                return _save(ctx, run, draft, outcome(State(FLOW, "resp_org", data), reply(_(
                    "Which organisation do you act for? For example “Social services, Northtown”."))))
            draft = {**draft, "responsibility": {"person_id": person.person_id, "organisation": person.organisation}}
            if person.organisation:
                return _save(ctx, run, draft, note=_("Noted for the plan."))
            return _save(ctx, run, draft, outcome(State(FLOW, "resp_org", {**data, "person": person.person_id}), reply(_(
                "Which organisation does {name} act for? For example “Child psychiatry, Northtown”.", name=person.name))))
        case "views", ["view", pid] if pid.isdigit() and _viewable(run, int(pid)):
            person = _viewable(run, int(pid))
            return outcome(State(FLOW, "view_text", {**data, "person": person.person_id}), reply(_(
                "Write what {name} said, in their own words. It is added to the plan as it is.", name=person.name)))
        case "orgs", ["org", pid] if pid.isdigit() and _professional(run, int(pid)):
            person = _professional(run, int(pid))
            return outcome(State(FLOW, "org_text", {**data, "person": person.person_id}), reply(_(
                "Which organisation does {name} act for? For example “Child psychiatry, Northtown”.", name=person.name)))
    return None


def _professional(run: MeetingRun, person_id: int) -> Attendee | None:
    return next((p for p in run.people if p.person_id == person_id and p.role == "professional"), None)


def _viewable(run: MeetingRun, person_id: int) -> Attendee | None:
    return next((p for p in run.people if p.person_id == person_id and p.role in VIEW_ROLES), None)


def _next_column(ctx: Context, run: MeetingRun, draft: dict, text: str | None) -> Outcome:
    index = ctx.state.data.get("column", 0)
    if text:
        columns = dict(draft.get("columns", {}))
        key = COLUMNS[index]
        columns[key] = f"{columns[key]}\n\n{text}" if columns.get(key) else text
        draft = {**draft, "columns": columns}
    if index + 1 < len(COLUMNS):
        return _save(ctx, run, draft, _ask_column(ctx, run, index + 1))
    return _save(ctx, run, draft, note=_("Noted for the plan."))


def on_text(ctx: Context, text: str) -> Outcome:
    if ctx.state.step in PAPER_STEPS:
        return _on_paper_text(ctx, text)
    run = _guard(ctx)
    if run is None:
        return outcome(IDLE, reply(_("The plan is written while the meeting runs. /meeting shows where it is.")))
    words = _clean(text)
    if not words:
        return outcome(ctx.state, reply(_("Please write a few words.")))
    draft = draft_of(run)
    data = _data(ctx, run)
    step = ctx.state.step
    if step in ("situation", "evaluation"):
        draft = {**draft, step: f"{draft[step]}\n\n{words}" if draft.get(step) else words}
        return _save(ctx, run, draft, note=_("Noted for the plan."))
    if step == "goal_text":
        goals = list(draft.get("goals", []))
        parsed = _parse_goal(words)
        index = ctx.state.data.get("goal")
        if index is not None and index < len(goals):
            goals[index] = {**goals[index], **parsed, **({"status": "changed"} if goals[index].get("carried") else {})}
        else:
            goals.append({**parsed, "key": ctx.new_token()[-8:]})
            index = len(goals) - 1
        draft = {**draft, "goals": goals}
        if _scales_asked(ctx, run) and ctx.state.data.get("goal") is None:
            return _save(ctx, run, draft, outcome(State(FLOW, "goal_now", {**data, "goal": index}), _ask_now(goals[index])))
        return _save(ctx, run, draft, outcome(State(FLOW, "goals", data), _goals_message(run, draft)))
    if step == "columns":
        return _next_column(ctx, run, draft, words)
    if step == "resp_org":
        organisation = " ".join(words.split())[:MAX_ORGANISATION]
        responsibility = {**draft.get("responsibility", {}), "organisation": organisation}
        changes, people = [], run.people
        if ctx.state.data.get("person"):
            pid = ctx.state.data["person"]
            changes.append(SetOrganisation(run.case.id, pid, organisation))
            people = tuple(replace(p, organisation=organisation) if p.person_id == pid else p for p in run.people)
        result = _save(ctx, run, {**draft, "responsibility": responsibility}, note=_("Noted for the plan."))
        return with_consent(ctx, run, outcome(result.state, *result.replies, changes=[*changes, *result.changes]), people)
    if step == "org_text":
        organisation = " ".join(words.split())[:MAX_ORGANISATION]
        pid = ctx.state.data["person"]
        people = tuple(replace(p, organisation=organisation) if p.person_id == pid else p for p in run.people)
        updated = replace(run, people=people)
        return with_consent(ctx, run, outcome(State(FLOW, "orgs", data), reply(_("Noted for the plan.")), _organisations(updated),
                                              changes=[SetOrganisation(run.case.id, pid, organisation)]), people)
    if step == "view_text":
        person = _viewable(run, ctx.state.data.get("person", 0))
        if person is None:
            return ask_again(ctx)
        from flows import running

        entry = PlanViewEntry(person.person_id, person.name, person.role, words, "said", ctx.now)
        updated = replace(ctx, meeting_run=replace(run, views=(*run.views, entry)))
        result = _back(updated, note=_("Noted for the plan, in {name}'s own words.", name=person.name))
        return outcome(result.state, *result.replies,
                       changes=[AddPlanView(run.meeting.id, person.person_id, words), *result.changes])
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)


def ask_again(ctx: Context) -> Outcome:
    from flows import running

    run = _guard(ctx)
    if ctx.state.step in PAPER_STEPS and ctx.plan is not None:
        return _paper_again(ctx, ctx.plan)
    if ctx.state.step in ("shown", "case", *PAPER_STEPS) or run is None:
        return show(ctx)
    if ctx.state.step in ("goals", "goal"):
        return outcome(State(FLOW, "goals", _data(ctx, run)), _goals_message(run, draft_of(run)))
    if ctx.state.step == "columns":
        return _ask_column(ctx, run, ctx.state.data.get("column", 0))
    return _back(ctx)


# ---- the child brings one of their own answers ---------------------------------------


def own_answer_offer(run: MeetingRun, person: Attendee, questions: dict) -> Reply | None:
    """At a step that notes views, the child may bring one of their own written answers into the plan."""
    texts = [(qid, a) for qid, a in person.notes if qid in questions and a.kind == "text" and a.value.get("text")]
    if person.role != "child" or not texts:
        return None
    buttons = [[Button(_("{question}", question=T(questions[qid].text)), f"plan:own:{run.meeting.id}:{qid}")] for qid, _a in texts]
    return reply(_("Would you like one of your own answers from your preparation to go into the plan, in your own words? "
                   "Choose one, or just leave this."), buttons=buttons, chat_id=person.chat_id, stamp_buttons=False, priority=NOTICE)


def bring_own(ctx: Context, meeting_id: int, question_id: str) -> Outcome:
    run = ctx.meeting_run
    me = next((p for p in run.people if ctx.person and p.person_id == ctx.person.id), None) if run else None
    answer = next((a for qid, a in me.notes if qid == question_id), None) if me else None
    if run is None or run.meeting.id != meeting_id or me is None or me.role != "child" or answer is None \
            or answer.kind != "text" or run.meeting.status != "running":
        return outcome(ctx.state, toast=_("This button does not work here."))
    words = _clean(answer.value.get("text", ""))
    if any(v.person_id == me.person_id and v.text == words for v in run.views):
        return outcome(ctx.state, toast=_("Thank you, I already know."))
    replies = [reply(_("Thank you. Your answer goes into the plan just as you wrote it."))]
    if run.coordinator_chat_id:
        replies.append(reply(_("{name} has put one of their own answers into the plan.", name=me.name),
                             chat_id=run.coordinator_chat_id, stamp_buttons=False))
    return outcome(ctx.state, *replies, changes=[AddPlanView(run.meeting.id, me.person_id, words, source="own")],
                   toast=_("Thank you!"))


# ---- the end of the meeting: a new version, sent to everyone -------------------------


def new_version(ctx: Context, run: MeetingRun) -> tuple[PlanSnapshot, CreatePlanVersion]:
    draft = draft_of(run)
    content = {key: value for key, value in draft.items() if key != "previous"}
    content["present"] = list(run.progress.get("present", []))
    if run.progress.get("absent_reason"):
        content["absent_reason"] = run.progress["absent_reason"]
    if "next_people" in run.progress:
        content["next_people"] = list(run.progress["next_people"])
    if run.agenda:
        content["agenda"] = list(run.agenda)  # the points the meeting was set to talk about
    ref = ctx.new_token()[-16:]
    number = (run.previous_plan.number if run.previous_plan else 0) + 1
    meeting_type = ctx.models.get(run.case.model_id).meeting_type(run.meeting.meeting_type)
    carried = tuple(t for t in (run.previous_plan.actions if run.previous_plan else ()) if t.status == "open"
                    and t.ref not in {task.ref for task in run.tasks})
    snapshot = PlanSnapshot(
        ref=ref, number=number, case=run.case, created_at=ctx.now, content=content, people=run.people,
        meeting=run.meeting, meeting_name=meeting_type.name, child_agrees=meeting_type.child_agrees,
        actions=(*carried, *run.tasks), views=run.views, coordinator_name=ctx.person.name if ctx.person else None,
        coordinator_chat_id=run.coordinator_chat_id, other_coordinator_chats=run.other_coordinator_chats,
    )
    return snapshot, CreatePlanVersion(run.case.id, run.meeting.id, ref, content)


def recipients(ctx: Context, plan: PlanSnapshot) -> list[Attendee]:
    """Everyone taking part in the case whom the meeting type concerns: those who were absent too."""
    roles = set(ctx.models.get(plan.case.model_id).meeting_type(plan.meeting.meeting_type).participants) if plan.meeting \
        else {p.role for p in plan.people}
    return [p for p in plan.people if p.role in roles]


def sent_to_everyone(ctx: Context, plan: PlanSnapshot, intro: T) -> list[Reply]:
    asked = {p.person_id for p in plan.asked_to_agree()}
    replies = []
    for person in recipients(ctx, plan):
        if person.without_telegram:
            replies += _copy_to_hand_over(plan, person, person.person_id in asked)
            continue
        replies.append(reply(intro, *plan_parts(plan), *_your_part(plan, person, person.person_id in asked),
                             buttons=answer_buttons(plan.ref, person.person_id in asked), chat_id=person.chat_id,
                             stamp_buttons=False, priority=NOTICE, document=PlanPdf(plan.ref), protect_content=True))
    # The case's other coordinators get their copy too; the one sending it sees it in their own reply.
    copy = _("Here is the plan for {case}, as it was sent to everyone taking part. /plan shows who has agreed to it.",
             case=plan.case.pseudonym)
    sender_leads = ctx.person is not None and ctx.person.id == plan.case.coordinator_id
    chats = plan.other_coordinator_chats if sender_leads else plan.coordinator_chats
    replies += [reply(copy, *plan_parts(plan), chat_id=chat, stamp_buttons=False, priority=NOTICE,
                      document=PlanPdf(plan.ref), protect_content=True)
                for chat in chats if chat != ctx.chat_id]
    return replies


def _copy_to_hand_over(plan: PlanSnapshot, person: Attendee, asked: bool) -> list[Reply]:
    """Someone without Telegram: the coordinator gets their copy of the PDF to print and hand over.
    Not protected, unlike everyone's own copy: it must be printed."""
    if not plan.coordinator_chat_id:
        return []
    parts = [_("🖨 This is <b>{name}</b>'s copy of the plan for {case}. {name} takes part without Telegram: "
               "please print it and hand it over.", name=person.name, case=plan.case.pseudonym)]
    if asked:
        parts.append(_("When {name} has answered whether they agree, record it under /plan: "
                       "“agreed on paper” with the date, or “did not agree” with a few words.", name=person.name))
    return [reply(*parts, chat_id=plan.coordinator_chat_id, stamp_buttons=False, priority=NOTICE, document=PlanPdf(plan.ref))]


def _your_part(plan: PlanSnapshot, person: Attendee, asked: bool) -> list[T]:
    if asked:
        return [_("<b>Do you agree to this plan?</b> The plan may not be changed without your approval.")]
    return []


def answer_buttons(ref: str, asked: bool) -> list[list[Button]]:
    if asked:
        return [[Button(_("✅ I agree"), f"plan:agree:{ref}"), Button(_("✋ I do not agree"), f"plan:no:{ref}")]]
    return [[Button(_("✅ I have read the plan"), f"plan:read:{ref}")]]


# ---- how the plan reads ----------------------------------------------------------------


def person_label(plan: PlanSnapshot, person_id: int | None) -> T:
    if person_id == plan.case.coordinator_id and plan.person(person_id) is None:
        return _("{name} (coordinator)", name=plan.coordinator_name or "–")
    person = plan.person(person_id)
    if person is None:
        return _("someone who is no longer part of the case")
    if person.organisation:
        return _("{name}, {organisation}", name=person.name, organisation=person.organisation)
    return _("{name}", name=person.name)


def responsibility_label(plan: PlanSnapshot, responsibility: dict) -> T:
    """Who has the overall responsibility, and for which organisation (as noted at the time)."""
    pid = responsibility.get("person_id")
    person = plan.person(pid)
    if person is not None:
        name = _("{name}", name=person.name)
    elif pid == plan.case.coordinator_id:
        name = _("{name} (coordinator)", name=plan.coordinator_name or "–")
    else:
        name = _("someone who is no longer part of the case")
    organisation = responsibility.get("organisation")
    return _("{who}, {organisation}", who=name, organisation=organisation) if organisation else name


def served_goal(content: dict, ref: str) -> str | None:
    """The words of the goal an action serves, if the coordinator chose one (`action_goals`: task ref -> goal key)."""
    key = content.get("action_goals", {}).get(ref)
    return next((g["text"] for g in content.get("goals", []) if key is not None and g.get("key") == key), None)


def goal_choices(ctx: Context, run: MeetingRun) -> list[dict]:
    """At a step that writes goals, the goals an action added there may serve."""
    if "goals" not in _parts_here(ctx, run):
        return []
    return [g for g in draft_of(run).get("goals", []) if g.get("status") != "dropped" and g.get("key")]


def with_action_goal(run: MeetingRun, ref: str, key: str) -> dict:
    """The meeting's progress with the draft saying which goal this action serves."""
    draft = draft_of(run)
    return {**run.progress, "plan": {**draft, "action_goals": {**draft.get("action_goals", {}), ref: key}}}


def action_line(plan: PlanSnapshot, task) -> T:
    owners = Lines(tuple(person_label(plan, pid) for pid, _name, _accepted in task.owners), sep="; ")
    if task.due_at:
        line = _("• {what} – {owners}, by {date}", what=task.what, owners=owners, date=Moment(task.due_at, plan.case.timezone, "date"))
    else:
        line = _("• {what} – {owners}", what=task.what, owners=owners)
    line = _("{line} ✅", line=line) if task.status == "done" else line
    goal = served_goal(plan.content, task.ref)
    return _("{line}\n   ↳ for the goal: {goal}", line=line, goal=goal) if goal else line


def answer_line(plan: PlanSnapshot, person: Attendee) -> T:
    answer = plan.answer_of(person.person_id)
    when = Moment(answer.at, plan.case.timezone) if answer else None
    if answer is None:
        return _("• {name}: has not answered yet", name=person.name)
    if answer.on_paper is not None:
        return _("• {name}: agreed on paper ({date})", name=person.name, date=Moment(answer.on_paper, plan.case.timezone, "date"))
    if person.without_telegram and answer.answer == "disagree":
        return _("• {name}: did not agree (recorded {when}): {note}", name=person.name, when=when, note=answer.note or "")
    if answer.answer == "agree":
        return _("• {name}: agrees ({when})", name=person.name, when=when)
    if answer.answer == "disagree":
        return _("• {name}: does not agree ({when}): {note}", name=person.name, when=when, note=answer.note or "")
    return _("• {name}: has read it ({when})", name=person.name, when=when)


def plan_parts(plan: PlanSnapshot) -> list[T]:
    """The plan as a chat message (the PDF holds the same, laid out as a document)."""
    content = plan.content
    tz = plan.case.timezone
    parts: list[T] = []
    if plan.meeting is not None:
        parts.append(_("📋 <b>The plan for {case}</b> – version {n}, from the meeting on {date}", case=plan.case.pseudonym,
                       n=plan.number, date=Moment(plan.meeting.starts_at, tz, "date")))
    else:
        parts.append(_("📋 <b>The plan for {case}</b> – version {n}", case=plan.case.pseudonym, n=plan.number))
    if content.get("agenda"):
        parts.append(points_list(tuple(content["agenda"])))
    goals = content.get("goals", [])
    if goals:
        parts.append(_("<b>Goals</b>\n{goals}", goals=Lines(tuple(goal_line(g) for g in goals))))
    if content.get("situation"):
        parts.append(_("<b>The current situation</b>\n{text}", text=content["situation"]))
    columns = content.get("columns", {})
    for key in COLUMNS:
        if columns.get(key):
            parts.append(_("<b>{title}</b>\n{text}", title=column_title(key), text=columns[key]))
    if plan.actions:
        parts.append(_("<b>What we agreed: who does what, by when</b>\n{tasks}",
                       tasks=Lines(tuple(action_line(plan, t) for t in plan.actions))))
    else:
        parts.append(_("No actions were written down at this meeting."))
    responsibility = content.get("responsibility")
    if responsibility:
        parts.append(_("<b>Overall responsibility:</b> {who}", who=responsibility_label(plan, responsibility)))
    if content.get("evaluation"):
        parts.append(_("<b>How it has gone</b>\n{text}", text=content["evaluation"]))
    for view in plan.views:
        title = _("<b>{name}'s view, in their own words</b>", name=view.name) if view.source == "said" else \
            _("<b>{name}'s own answer</b>", name=view.name)
        parts.append(_("{title}\n{text}", title=title, text=view.text))
    present = [p for p in plan.people if p.person_id in content.get("present", [])]
    absent = [p for p in plan.people if p.person_id not in content.get("present", [])]
    if present:
        parts.append(_("<b>Taking part:</b> {names}", names=names(present)))
    if absent:
        parts.append(_("<b>Not at the meeting:</b> {names}", names=names(absent)))
    if content.get("absent_reason"):
        parts.append(_("<b>The child was not at the meeting:</b> {reason}", reason=content["absent_reason"]))
    if plan.next_meeting is not None:
        parts.append(_("<b>Next meeting:</b> {when}, {place}", when=Moment(plan.next_meeting.starts_at, tz),
                       place=plan.next_meeting.place or "–"))
    if "next_people" in content:
        coming = [p for p in plan.people if p.person_id in content["next_people"]]
        parts.append(_("<b>Next time:</b> {names}", names=names(coming)))
    return parts


def agreement_parts(plan: PlanSnapshot) -> list[T]:
    asked = plan.asked_to_agree()
    parts = []
    if asked:
        parts.append(_("<b>Agreement</b>\n{lines}", lines=Lines(tuple(answer_line(plan, p) for p in asked))))
    return parts


# ---- answers -------------------------------------------------------------------------------


def respond(ctx: Context, action: str, ref: str) -> Outcome:
    """A button on a plan: the reference names the version, the presser answers for themselves only."""
    plan = ctx.plan
    me = plan.person(ctx.person.id) if plan is not None and ctx.person is not None else None
    if plan is None or plan.ref != ref or me is None:
        return outcome(ctx.state, toast=_("This button does not work here."))
    if not plan.latest:
        return outcome(ctx.state, reply(_("This plan has been changed since. /plan shows the current one.")))
    asked = me.person_id in {p.person_id for p in plan.asked_to_agree()}
    earlier = plan.answer_of(me.person_id)
    if action == "read" and not asked:
        if earlier is not None:
            return outcome(ctx.state, toast=_("Thank you, I already know."))
        return outcome(ctx.state, reply(_("Thank you for reading the plan.")),
                       *_tell_coordinator(plan, _("{name} has read the plan.", name=me.name)),
                       changes=[AnswerPlan(ref, "read")], toast=_("Thank you!"))
    if not asked or action not in ("agree", "no"):
        return outcome(ctx.state, toast=_("This button does not work here."))
    if earlier is not None and earlier.answer in ("agree", "disagree"):
        return outcome(ctx.state, reply(_("You have already answered. If you have changed your mind, tell the coordinator.")))
    if action == "agree":
        return outcome(ctx.state, reply(_("Thank you. I have noted that you agree to the plan.")),
                       *_tell_coordinator(plan, _("✅ {name} agrees to the plan for {case}.", name=me.name, case=plan.case.pseudonym)),
                       changes=[AnswerPlan(ref, "agree")], toast=_("Thank you!"))
    return outcome(State(ANSWER_FLOW, "note", {"ref": ref}),
                   reply(_("Thank you for saying so. In a few words: what do you not agree with? The coordinator reads it.")))


def _tell_coordinator(plan: PlanSnapshot, text: T) -> list[Reply]:
    return [reply(text, chat_id=chat, stamp_buttons=False, protect_content=True) for chat in plan.coordinator_chats]


class AnswerFlow:
    """The few words of someone who does not agree."""

    FLOW = ANSWER_FLOW

    @staticmethod
    def on_text(ctx: Context, text: str) -> Outcome:
        plan = ctx.plan
        me = plan.person(ctx.person.id) if plan is not None and ctx.person is not None else None
        if plan is None or me is None or not plan.latest:
            return outcome(IDLE, reply(_("This plan is not available to you any more.")))
        note = _clean(text)
        if not note:
            return outcome(ctx.state, reply(_("Please write a few words.")))
        told = _tell_coordinator(plan, _("✋ {name} does not agree to the plan for {case}:\n{note}",
                                         name=me.name, case=plan.case.pseudonym, note=note))
        return outcome(IDLE, reply(_("Thank you. I have passed it on to the coordinator, who will talk with you about it.")),
                       *told, changes=[AnswerPlan(plan.ref, "disagree", note)])

    @staticmethod
    def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
        return None

    @staticmethod
    def ask_again(ctx: Context) -> Outcome:
        return outcome(ctx.state, reply(_("In a few words: what do you not agree with? Write it as a message.")))


# ---- /plan ------------------------------------------------------------------------------------


def show(ctx: Context) -> Outcome:
    plan = ctx.plan
    if ctx.person is None:
        return outcome(IDLE, reply(_("You are not part of any meetings yet. To take part, open the invite link your coordinator sent you.")))
    if plan is None:
        if ctx.person.is_coordinator and len([c for c in ctx.coordinated_cases if c.status == "open"]) > 1:
            from flows.common import choose_case

            return choose_case(FLOW, _("Which case's plan do you want to see?"),
                               [c for c in ctx.coordinated_cases if c.status == "open"])
        return outcome(IDLE, reply(_("There is no plan yet. It is made at the end of a meeting.")))
    coordinator = ctx.person.is_coordinator and ctx.case(plan.case.id) is not None  # any of the case's coordinators
    parts = plan_parts(plan)
    if coordinator:
        parts += agreement_parts(plan)
        if plan.information_consent:
            parts += consent.status_parts([p for p in plan.people if not p.without_telegram], plan.consents, consent.organisations_of(plan.people), plan.case.timezone)
        waiting = [p for p in plan.asked_to_agree() if plan.answer_of(p.person_id) is None]
        buttons = [[Button(_("🔔 Remind those who have not answered"), "plan:remind")]] \
            if any(not p.without_telegram for p in waiting) else []
        if plan.latest and any(p.without_telegram for p in plan.asked_to_agree()):
            buttons.append([Button(_("🖊 Record an answer given on paper"), "plan:paper")])
        if plan.meeting is not None and plan.case.status == "open":
            buttons.append([Button(_("✏️ Change the plan"), "plan:amend")])
        shown = {"case": plan.case.id, **({"meeting": plan.meeting.id} if plan.meeting else {})}
        return outcome(State(FLOW, "shown", shown),
                       reply(*parts, buttons=buttons, document=PlanPdf(plan.ref), protect_content=True),
                       changes=[Audit(plan.case.id, "viewed_plan", {"version": plan.number})])
    me = plan.person(ctx.person.id)
    asked = me is not None and me.person_id in {p.person_id for p in plan.asked_to_agree()}
    answered = plan.answer_of(ctx.person.id)
    buttons = answer_buttons(plan.ref, asked) if answered is None or (asked and answered.answer == "read") else []
    if plan.information_consent and me is not None and me.role == consent.GUARDIAN:
        said, withdraw = consent.own_status(plan.case.id, consent.latest(plan.consents, me.person_id), plan.case.timezone)
        parts += said
        buttons = [*buttons, *withdraw]
    if answered is not None and answered.answer in ("agree", "disagree"):
        parts.append(_("You agreed to this plan.") if answered.answer == "agree" else _("You said you do not agree to this plan."))
    elif asked:
        parts.append(_("<b>Do you agree to this plan?</b> The plan may not be changed without your approval."))
    return outcome(IDLE, reply(*parts, buttons=buttons, stamp_buttons=False, document=PlanPdf(plan.ref), protect_content=True))


def _on_shown_button(ctx: Context, action: list[str]) -> Outcome | None:
    plan = ctx.plan
    if ctx.state.step == "case" and len(action) == 2 and action[0] == "case":
        return show(ctx) if plan is not None and str(plan.case.id) == action[1] else None
    if plan is None or ctx.person is None or not ctx.person.is_coordinator or ctx.case(plan.case.id) is None:
        return None
    if action == ["amend"]:
        return amend_start(ctx)
    if action == ["paper"] or ctx.state.step in PAPER_STEPS:
        return _on_paper_button(ctx, plan, action)
    if action == ["remind"]:
        waiting = [p for p in plan.asked_to_agree() if plan.answer_of(p.person_id) is None and not p.without_telegram]
        notices = [reply(_("🔔 A reminder: the plan for {case} is waiting for your answer.", case=plan.case.pseudonym),
                         *plan_parts(plan), _("<b>Do you agree to this plan?</b> The plan may not be changed without your approval."),
                         buttons=answer_buttons(plan.ref, True), chat_id=p.chat_id, stamp_buttons=False, priority=NOTICE,
                         protect_content=True) for p in waiting]
        return outcome(IDLE, reply(_("I have reminded {names}.", names=names(waiting))), *notices,
                       changes=[Audit(plan.case.id, "reminded_plan", {"version": plan.number, "people": len(waiting)})])
    return None




# ---- an answer given on paper (someone without Telegram) ------------------------------


def _paper_people(plan: PlanSnapshot) -> tuple[Attendee, ...]:
    return tuple(p for p in plan.asked_to_agree() if p.without_telegram)


def _paper_state(plan: PlanSnapshot, step: str, **data) -> State:
    return State(FLOW, step, {"case": plan.case.id, "ref": plan.ref, **data})


def _paper_who(plan: PlanSnapshot) -> Reply:
    buttons = [[Button(_("{name}", name=p.name), f"plan:pp:{-p.person_id}")] for p in _paper_people(plan)]
    return reply(_("🖊 Whose answer, given on paper, do you want to record?"), buttons=buttons)


def _paper_answer(person: Attendee) -> Reply:
    return reply(_("What did {name} answer about this version of the plan?", name=person.name), buttons=[
        [Button(_("✅ Agreed on paper"), "plan:pa:agree")], [Button(_("✋ Did not agree"), "plan:pa:disagree")]])


def _paper_date(person: Attendee, ctx: Context, plan: PlanSnapshot) -> Reply:
    from datetime import timedelta

    example = Moment(ctx.now - timedelta(days=1), plan.case.timezone, "short_date")
    return reply(_("On which day did {name} sign? Write the date, for example {example}, or choose:", name=person.name,
                   example=example), buttons=[[Button(_("Today"), "plan:pd:today")]])


def _paper_person(ctx: Context, plan: PlanSnapshot) -> Attendee | None:
    mid = ctx.state.data.get("member")
    return next((p for p in _paper_people(plan) if p.person_id == -(mid or 0)), None)


def _paper_usable(ctx: Context, plan: PlanSnapshot) -> bool:
    return plan.latest and (ctx.state.step not in PAPER_STEPS[1:] or ctx.state.data.get("ref") == plan.ref)


def _on_paper_button(ctx: Context, plan: PlanSnapshot, action: list[str]) -> Outcome | None:
    if not _paper_usable(ctx, plan):
        return outcome(IDLE, reply(_("This plan has been changed since. /plan shows the current one.")))
    match ctx.state.step, action:
        case _, ["paper"] if _paper_people(plan):
            return outcome(_paper_state(plan, "paper"), _paper_who(plan))
        case "paper", ["pp", mid] if mid.isdigit() and any(p.person_id == -int(mid) for p in _paper_people(plan)):
            person = next(p for p in _paper_people(plan) if p.person_id == -int(mid))
            return outcome(_paper_state(plan, "paper_answer", member=int(mid)), _paper_answer(person))
        case "paper_answer", ["pa", answer] if answer in ("agree", "disagree") and _paper_person(ctx, plan):
            person = _paper_person(ctx, plan)
            if answer == "agree":
                return outcome(_paper_state(plan, "paper_date", member=-person.person_id), _paper_date(person, ctx, plan))
            return outcome(_paper_state(plan, "paper_note", member=-person.person_id), reply(_(
                "In a few words: what does {name} not agree with? It is kept with the plan.", name=person.name)))
        case "paper_date", ["pd", "today"] if _paper_person(ctx, plan):
            from zoneinfo import ZoneInfo

            return _paper_agreed(ctx, plan, ctx.now.astimezone(ZoneInfo(plan.case.timezone)).date())
    return None


def _on_paper_text(ctx: Context, text: str) -> Outcome:
    from zoneinfo import ZoneInfo

    from flows.parsing import parse_date

    plan = ctx.plan
    person = _paper_person(ctx, plan) if plan is not None and _paper_usable(ctx, plan) else None
    if person is None:
        return show(ctx) if plan is not None else outcome(IDLE, reply(_("This plan is not available to you any more.")))
    if ctx.state.step == "paper_date":
        today = ctx.now.astimezone(ZoneInfo(plan.case.timezone)).date()
        day = parse_date(text, today)
        if day is None:
            again = _paper_date(person, ctx, plan)
            return outcome(ctx.state, reply(_("I couldn't read that as a date.")), again)
        if day > today:
            return outcome(ctx.state, reply(_("That day has not come yet. Please write the day {name} signed.", name=person.name)))
        return _paper_agreed(ctx, plan, day)
    if ctx.state.step == "paper_note":
        note = _clean(text)
        if not note:
            return outcome(ctx.state, reply(_("Please write a few words.")))
        return outcome(IDLE, reply(_("Noted: {name} does not agree to the plan.", name=person.name), *agreement_parts(plan)),
                       changes=[RecordPaperAnswer(plan.ref, -person.person_id, "disagree", note=note)])
    again = _paper_again(ctx, plan)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)


def _paper_agreed(ctx: Context, plan: PlanSnapshot, day) -> Outcome:
    from datetime import datetime, time, timezone
    from zoneinfo import ZoneInfo

    person = _paper_person(ctx, plan)
    # The day is kept as its local noon, as a task's due day: no time zone moves it to another day.
    signed_on = datetime.combine(day, time(12), tzinfo=ZoneInfo(plan.case.timezone)).astimezone(timezone.utc)
    return outcome(IDLE, reply(_("✅ Noted: {name} agreed to the plan on paper on {date}.", name=person.name,
                                 date=Moment(signed_on, plan.case.timezone, "date"))),
                   changes=[RecordPaperAnswer(plan.ref, -person.person_id, "agree", signed_on=signed_on)])


def _paper_again(ctx: Context, plan: PlanSnapshot) -> Outcome:
    person = _paper_person(ctx, plan)
    if person is None or ctx.state.step == "paper":
        return outcome(_paper_state(plan, "paper"), _paper_who(plan)) if _paper_people(plan) else show(ctx)
    if ctx.state.step == "paper_answer":
        return outcome(ctx.state, _paper_answer(person))
    if ctx.state.step == "paper_date":
        return outcome(ctx.state, _paper_date(person, ctx, plan))
    return outcome(ctx.state, reply(_("In a few words: what does {name} not agree with? It is kept with the plan.", name=person.name)))

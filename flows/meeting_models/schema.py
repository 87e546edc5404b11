"""The shape of a meeting model file, checked strictly.

A model is data: its meeting types, each with steps (who speaks, who listens,
who leaves the room), preparation questions per role, and a follow-up cadence.
Every text a person reads is an English msgid, translated through the catalogs.

Faults found across fields are raised as `fault(path, message)`, so the loader
can name the exact place (``steps[2].speakers``) below the object that found it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from flows.labels import LANGUAGE_NAMES, ROLES

COORDINATOR = "coordinator"
RECORDS = (
    "attendance", "tasks", "plan", "child_view", "child_absent_reason", "next_participants", "next_date", "feedback",
    "follow_up_frequency",
)
# What a step writes into the plan (flows.plan): the coordinator gets a button for each.
PLAN_PARTS = ("goals", "goal_scales", "situation", "safety_columns", "responsibility", "views", "evaluation")
SINGLE_TYPE_ID = "meeting"

Kind = Literal["text", "choice", "scale", "columns", "network_map"]
Turns = Literal["together", "in_turn"]
Visibility = Literal["meeting", "coordinator", "private"]
Record = Literal[RECORDS]  # type: ignore[valid-type]
PlanPart = Literal[PLAN_PARTS]  # type: ignore[valid-type]


def fault(path: str, message: str) -> PydanticCustomError:
    """A fault at `path` below the object being validated."""
    return PydanticCustomError("model_fault", "{path}: {message}", {"path": path, "message": message})


def _id(value: str) -> str:
    if not value or not all(c in "abcdefghijklmnopqrstuvwxyz0123456789_" for c in value):
        raise ValueError(f"{value!r} is not an id: use only a-z, 0-9 and _")
    return value


# Texts are msgids rendered as Telegram HTML templates with str.format: markup
# characters and braces would break the message for every reader.
_FORBIDDEN = "<>&{}"


def _trimmed(value: str) -> str:
    if not value.strip():
        raise ValueError("text is empty")
    if value != value.strip():
        raise ValueError("text starts or ends with spaces or line breaks")
    return value


def _text(value: str) -> str:
    _trimmed(value)
    if bad := sorted({c for c in value if c in _FORBIDDEN}):
        raise ValueError(f"text contains {' '.join(bad)}: write 'and' for &, and leave out < > {{ }}")
    return value


def _short(limit: int):
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"text is {len(value)} characters; at most {limit} fit here")
        return value

    return check


def _roles(*, coordinator: bool, non_empty: bool):
    allowed = ROLES + ((COORDINATOR,) if coordinator else ())

    def check(value: tuple[str, ...]) -> tuple[str, ...]:
        for role in value:
            if role == COORDINATOR and not coordinator:
                raise ValueError("the coordinator always takes part: leave 'coordinator' out of this list")
            if role not in allowed:
                raise ValueError(f"unknown role {role!r} (allowed: {', '.join(allowed)})")
        if twice := sorted({r for r in value if value.count(r) > 1}):
            raise ValueError(f"role {twice[0]!r} is listed twice")
        if non_empty and not value:
            raise ValueError("name at least one role")
        return value

    return check


Id = Annotated[StrictStr, AfterValidator(_id)]
Plain = Annotated[StrictStr, AfterValidator(_trimmed)]  # shown as it is, escaped: not a msgid
Text = Annotated[StrictStr, AfterValidator(_text)]
ShortText = Annotated[StrictStr, AfterValidator(_text), AfterValidator(_short(80))]
ChoiceText = Annotated[StrictStr, AfterValidator(_text), AfterValidator(_short(48))]
Days = Annotated[StrictInt, Field(ge=0)]
Roles = Annotated[tuple[StrictStr, ...], AfterValidator(_roles(coordinator=False, non_empty=True))]
StepRoles = Annotated[tuple[StrictStr, ...], AfterValidator(_roles(coordinator=True, non_empty=False))]


def _unique_ids(items, field: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            raise fault(f"{field}[{i}].id", f"id {item.id!r} is used twice")
        seen.add(item.id)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Occasion(_Strict):
    """A later time a meeting of this type is due, counted from a date the
    coordinator records for the case: the talk with the child "before the
    three-month follow-up" (from the placement) and "at a decision" (from the
    day a decision is to be made)."""

    id: Id
    name: ShortText  # how the occasion is named in the series overview and in /next
    counts_from: Literal["placement", "decision"]
    due_days: StrictInt  # due by this many days after the date (0: by the day itself)
    opens_days: Days  # counted as held by a meeting of the type at most this many days before it is due


class Cadence(_Strict):
    """When meetings of a type happen; every key is optional."""

    first_within_hours: Days | None = None
    first_within_days: Days | None = None
    initial_every_days: Days | None = None
    initial_count: Days | None = None
    every_days: Days | None = None
    after_end_days_min: Days | None = None
    after_end_days_max: Days | None = None
    follow_up_days: Days | None = None
    # What "first within" and "after the end" count from: the case's first
    # meeting, or the dates the coordinator records for the case (the day the
    # child was placed, the day they moved out).
    counts_from: Literal["placement", "moving_out"] | None = None  # None: from the first meeting
    # How often the meeting may agree to follow up, in weeks: a step that
    # records "follow_up_frequency" offers these, and /next counts from the agreed one.
    agreed_every_weeks: tuple[Annotated[StrictInt, Field(ge=1, le=52)], ...] | None = None
    occasions: tuple[Occasion, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Cadence:
        _unique_ids(self.occasions, "occasions")
        first = self.first_within_hours is not None or self.first_within_days is not None
        if self.counts_from == "placement" and not first:
            raise fault("counts_from", "'placement' is what first_within_hours or first_within_days counts from: give one")
        if self.counts_from == "moving_out" and self.after_end_days_min is None:
            raise fault("counts_from", "'moving_out' is what after_end_days_min and _max count from: give them")
        if self.agreed_every_weeks is not None and len(set(self.agreed_every_weeks)) != len(self.agreed_every_weeks):
            raise fault("agreed_every_weeks", "an interval is listed twice")
        if self.after_end_days_min is not None and self.counts_from != "moving_out":
            raise fault("counts_from", "after_end_days_min counts from the moving-out date: set counts_from = \"moving_out\"")
        if (self.initial_count is None) != (self.initial_every_days is None):
            raise fault("initial_count", "initial_count and initial_every_days go together")
        if (self.after_end_days_min is None) != (self.after_end_days_max is None):
            raise fault("after_end_days_max", "after_end_days_min and after_end_days_max go together")
        if self.after_end_days_min is not None and self.after_end_days_min > self.after_end_days_max:
            raise fault("after_end_days_max", "is smaller than after_end_days_min")
        return self


class Step(_Strict):
    """One part of the agenda. Each role has one instruction in it: speak, listen or leave the room."""

    id: Id
    title: ShortText
    description: Text
    speakers: StepRoles
    listeners: StepRoles
    leaves_room: StepRoles = ()
    turns: Turns = "together"
    minutes: Annotated[StrictInt, Field(ge=1)] | None = None
    private_family_time: StrictBool = False
    prompts: tuple[Text, ...] = ()  # questions the family plans around in their own time
    records: tuple[Record, ...] = ()
    plan: tuple[PlanPart, ...] = ()  # the parts of the plan written down at this step
    # What one role is told in this step besides its part: the reflecting
    # team hears how to listen, and how to reflect when its turn comes.
    role_notes: dict[StrictStr, Text] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        for role in self.role_notes:
            if self.role_part(role) is None:
                raise fault(f"role_notes.{role}", "the role has no part in this step: name it in speakers, listeners or leaves_room")
        for field, other in (("listeners", "speakers"), ("leaves_room", "speakers"), ("leaves_room", "listeners")):
            if both := [r for r in getattr(self, field) if r in getattr(self, other)]:
                raise fault(field, f"role {both[0]!r} is also in {other}: give each role one part in a step")
        if self.turns == "in_turn" and not self.speakers:
            raise fault("turns", "a round ('in_turn') needs speakers")
        if self.private_family_time and COORDINATOR not in self.leaves_room:
            raise fault("leaves_room", "in private family time the coordinator leaves the room")
        if len(set(self.records)) != len(self.records):
            raise fault("records", "an item is listed twice")
        if len(set(self.plan)) != len(self.plan):
            raise fault("plan", "a part is listed twice")
        if "goal_scales" in self.plan and "goals" not in self.plan:
            raise fault("plan", "'goal_scales' asks the 0-10 scales of the goals: list 'goals' too")
        return self

    def role_part(self, role: str) -> str | None:
        """'speak', 'listen', 'leave' or None (no part in this step)."""
        if role in self.speakers:
            return "speak"
        if role in self.listeners:
            return "listen"
        if role in self.leaves_room:
            return "leave"
        return None


class Question(_Strict):
    """A preparation question for one or more roles."""

    id: Id
    roles: Roles
    kind: Kind = "text"
    text: Text
    hint: Text | None = None
    choices: tuple[ChoiceText, ...] | None = None
    scale_low: Text | None = None
    scale_high: Text | None = None
    follow_up_only: StrictBool = False
    visibility: Visibility | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Question:
        if self.kind == "choice":
            if self.choices is None:
                raise fault("choices", "a question of kind 'choice' needs choices (2 to 8)")
            if not 2 <= len(self.choices) <= 8:
                raise fault("choices", f"has {len(self.choices)} choices; give 2 to 8")
            if len(set(self.choices)) != len(self.choices):
                raise fault("choices", "a choice is listed twice")
        elif self.choices is not None:
            raise fault("choices", f"only questions of kind 'choice' have choices, not {self.kind!r}")
        if self.kind == "scale":
            for end in ("scale_low", "scale_high"):
                if getattr(self, end) is None:
                    raise fault(end, "a question of kind 'scale' needs scale_low and scale_high (the 0 and 10 ends)")
        else:
            for end in ("scale_low", "scale_high"):
                if getattr(self, end) is not None:
                    raise fault(end, f"only questions of kind 'scale' have {end}, not {self.kind!r}")
        return self


class Proposals(_Strict):
    """The family decides who is invited: the family's and the child's answers
    to these preparation questions are proposals, a list the coordinator works
    through person by person (flows.proposals)."""

    questions: tuple[Id, ...]
    # Ask for proposals on their own, when the family joins and before the
    # network is invited: the questions then leave the preparation. False keeps
    # them in the preparation, where they are advisory; /proposals still works.
    ask_first: StrictBool = True

    @field_validator("questions")
    @classmethod
    def _listed(cls, questions: tuple[str, ...]) -> tuple[str, ...]:
        if not questions:
            raise ValueError("name at least one question whose answers are proposals")
        if twice := sorted({q for q in questions if questions.count(q) > 1}):
            raise ValueError(f"question {twice[0]!r} is listed twice")
        return questions


# Who may propose people to invite, and as what the proposed join.
PROPOSING_ROLES = ("family", "child")
PROPOSED_ROLE = "network"


class MeetingType(_Strict):
    id: Id
    name: ShortText
    purpose: Text
    participants: Roles
    professionals_only: StrictBool = False
    inform_family: Text | None = None
    # Roles that take part only when someone asks for them, so not invited by
    # default: the talk with the child is held without the place's staff
    # unless the child asks for their contact person (SEL § 70, stk. 2).
    on_request: Annotated[tuple[StrictStr, ...], AfterValidator(_roles(coordinator=False, non_empty=False))] = ()
    on_request_note: Text | None = None  # what the coordinator is told when inviting
    # The series: the kind of meeting that usually comes next (/next suggests
    # it), and whether the next one of this kind is always agreed before the
    # meeting ends ("Aftal altid næste statusmøde").
    next_type: Id | None = None
    agree_next: StrictBool = False
    prep_opens_days: Days = 7
    max_reminders: Days = 2
    default_visibility: Visibility = "meeting"
    cadence: Cadence = Cadence()
    steps: tuple[Step, ...]
    questions: tuple[Question, ...] = ()
    # Who is asked to agree to the plan besides the guardians (role "family")
    # and those answering for an action: the young person, where the model says so.
    child_agrees: StrictBool = False
    # The guardians consent, before the plan is drawn up, to the organisations
    # named in the case exchanging information for it (the SIP's consent).
    information_consent: StrictBool = False
    # At a follow-up, whom preparation asks "how is it going?" about each goal of the
    # plan so far (flows.goal_progress); None: every role invited. A professional is
    # asked only when they answer for one of the plan's actions.
    goal_progress: Annotated[tuple[StrictStr, ...], AfterValidator(_roles(coordinator=False, non_empty=False))] | None = None
    proposals: Proposals | None = None
    # Preparation questions whose answers become proposed points for the
    # meeting's agenda ("what do you want to talk about"): the coordinator
    # accepts or leaves out each, and everyone sees the accepted points.
    agenda_from: tuple[Id, ...] = ()

    @field_validator("steps")
    @classmethod
    def _has_steps(cls, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        if not steps:
            raise ValueError("a meeting type needs at least one step")
        return steps

    @model_validator(mode="after")
    def _consistent(self) -> MeetingType:
        _unique_ids(self.steps, "steps")
        _unique_ids(self.questions, "questions")
        present = set(self.participants) | {COORDINATOR}
        for i, step in enumerate(self.steps):
            for field in ("speakers", "listeners", "leaves_room"):
                if stray := [r for r in getattr(step, field) if r not in present]:
                    raise fault(f"steps[{i}].{field}", self._not_invited(stray[0]))
            if step.private_family_time and "professional" in self.participants and "professional" not in step.leaves_room:
                raise fault(f"steps[{i}].leaves_room", "in private family time the professionals leave the room")
        if stray := [r for r in self.on_request if r not in self.participants]:
            raise fault("on_request", self._not_invited(stray[0]))
        if stray := [r for r in self.goal_progress or () if r not in self.participants]:
            raise fault("goal_progress", self._not_invited(stray[0]))
        if self.on_request and set(self.on_request) == set(self.participants):
            raise fault("on_request", "leave at least one role invited by default")
        if (self.on_request_note is None) != (not self.on_request):
            raise fault("on_request_note", "on_request and on_request_note go together: say who asks for whom")
        for i, step in enumerate(self.steps):
            if "follow_up_frequency" in step.records and not self.cadence.agreed_every_weeks:
                raise fault(f"steps[{i}].records", "'follow_up_frequency' offers the cadence's agreed_every_weeks: list them")
        for i, question in enumerate(self.questions):
            if stray := [r for r in question.roles if r not in self.participants]:
                raise fault(f"questions[{i}].roles", self._not_invited(stray[0]))
        kinds = {q.id: q.kind for q in self.questions}
        for question_id in self.agenda_from:
            if question_id not in kinds:
                raise fault("agenda_from", f"no question {question_id!r} in this meeting type")
            if kinds[question_id] != "text":
                raise fault("agenda_from", f"question {question_id!r} is not of kind 'text': only written answers become agenda points")
        if len(set(self.agenda_from)) != len(self.agenda_from):
            raise fault("agenda_from", "a question is listed twice")
        if self.professionals_only:
            if family := [r for r in self.participants if r != "professional"]:
                raise fault("participants", f"a professionals-only meeting cannot invite {family[0]!r}")
            if self.inform_family is None:
                raise fault("inform_family", "a professionals-only meeting says what the family is told (inform_family)")
        elif self.inform_family is not None:
            raise fault("inform_family", "only professionals-only meetings have inform_family")
        if self.proposals is not None:
            self._check_proposals(self.proposals)
        return self

    def _check_proposals(self, proposals: Proposals) -> None:
        if PROPOSED_ROLE not in self.participants:
            raise fault("proposals", f"the people the family proposes join as {PROPOSED_ROLE!r}: invite that role to this meeting type")
        by_id = {q.id: q for q in self.questions}
        for i, question_id in enumerate(proposals.questions):
            question = by_id.get(question_id)
            if question is None:
                raise fault(f"proposals.questions[{i}]", f"no question {question_id!r} in this meeting type")
            if stray := [r for r in question.roles if r not in PROPOSING_ROLES]:
                raise fault(f"proposals.questions[{i}]",
                            f"question {question_id!r} is asked of {stray[0]!r}: only the family's and the child's answers are proposals")
            if question.kind not in ("text", "network_map"):
                raise fault(f"proposals.questions[{i}]", f"question {question_id!r} is a {question.kind!r}: proposals are names, "
                                                         "asked as 'text' or 'network_map'")
            if question.follow_up_only:
                raise fault(f"proposals.questions[{i}]", f"question {question_id!r} is asked only at follow-ups: proposals come first")
        roles = [r for q in proposals.questions for r in by_id[q].roles]
        if twice := sorted({r for r in roles if roles.count(r) > 1}):
            raise fault("proposals.questions", f"two questions ask {twice[0]!r}: give each role one proposal question")

    def _not_invited(self, role: str) -> str:
        return f"role {role!r} is not invited to this meeting type (participants: {', '.join(self.participants)})"

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"meeting type {self.id!r} has no step {step_id!r}")

    def questions_for(self, role: str, follow_up: bool = False) -> tuple[Question, ...]:
        """The role's preparation questions in file order; follow-up-only ones only at follow-ups.
        Proposal questions asked first are asked on their own (flows.proposals), not here."""
        asked_first = set(self.proposals.questions) if self.proposals and self.proposals.ask_first else set()
        return tuple(q for q in self.questions if role in q.roles and (follow_up or not q.follow_up_only)
                     and q.id not in asked_first)

    def proposal_question(self, role: str) -> Question | None:
        """The question that asks this role whom to invite, if the meeting type takes proposals from it."""
        if self.proposals is None:
            return None
        return next((q for q in self.questions if q.id in self.proposals.questions and role in q.roles), None)

    def goal_progress_roles(self) -> tuple[str, ...]:
        """The roles asked how the plan's goals are going, at a follow-up."""
        return self.participants if self.goal_progress is None else self.goal_progress

    def visibility_of(self, question: Question) -> Visibility:
        """Who sees an answer unless its author chooses otherwise."""
        return question.visibility or self.default_visibility


class MeetingModel(_Strict):
    id: Id
    name: ShortText
    native_name: Plain | None = None
    description: Text
    source: Plain
    roles: Roles
    closing_advice: Text
    feedback_intro: Text | None = None
    # The coordinator is independent of the social services (the family group
    # conference's "oberoende samordnare"): everyone preparing is told so.
    coordinator_independent: StrictBool = False
    meeting_types: tuple[MeetingType, ...]
    # An organisation's own texts in every language, without touching the
    # catalogs: [translations.sv] "the English text" = "den svenska texten".
    translations: dict[StrictStr, dict[StrictStr, Text]] = {}

    @field_validator("meeting_types")
    @classmethod
    def _has_types(cls, types: tuple[MeetingType, ...]) -> tuple[MeetingType, ...]:
        if not types:
            raise ValueError("a model needs at least one meeting type")
        return types

    @model_validator(mode="after")
    def _consistent(self) -> MeetingModel:
        _unique_ids(self.meeting_types, "meeting_types")
        if len(self.meeting_types) == 1 and self.meeting_types[0].id != SINGLE_TYPE_ID:
            raise fault("meeting_types[0].id", f"a model with one meeting type calls it {SINGLE_TYPE_ID!r}")
        for i, meeting_type in enumerate(self.meeting_types):
            if stray := [r for r in meeting_type.participants if r not in self.roles]:
                raise fault(
                    f"meeting_types[{i}].participants",
                    f"role {stray[0]!r} is not among the model's roles ({', '.join(self.roles)})",
                )
            if meeting_type.next_type is not None and meeting_type.next_type not in {t.id for t in self.meeting_types}:
                raise fault(f"meeting_types[{i}].next_type",
                            f"no meeting type {meeting_type.next_type!r} in this model "
                            f"(types: {', '.join(t.id for t in self.meeting_types)})")
        texts = set(self.msgids())
        for language, translated in self.translations.items():
            if language not in LANGUAGE_NAMES:
                raise fault(f"translations.{language}", f"unknown language (known: {', '.join(LANGUAGE_NAMES)})")
            if stray := [text for text in translated if text not in texts]:
                raise fault(f"translations.{language}", f"{stray[0][:60]!r} is not a text of this model: copy it exactly")
        return self

    def meeting_type(self, type_id: str) -> MeetingType:
        for meeting_type in self.meeting_types:
            if meeting_type.id == type_id:
                return meeting_type
        raise KeyError(f"model {self.id!r} has no meeting type {type_id!r}")

    def msgids(self) -> Iterator[str]:
        """Every translatable string, in file order (a string used twice comes twice)."""
        for _table, _path, msgid in self.texts():
            yield msgid

    def texts(self) -> Iterator[tuple[tuple, str, str]]:
        """(table, path, msgid) for every translatable string: `table` is the TOML
        table it sits in (``("meeting_types", 0, "steps", 2)``, ``()`` for the top),
        `path` a readable name such as ``meeting_types.meeting.steps.reflect.title``."""
        for key in ("name", "description", "closing_advice", "feedback_intro"):
            if (value := getattr(self, key)) is not None:
                yield (), key, value
        for i, meeting_type in enumerate(self.meeting_types):
            table, prefix = ("meeting_types", i), f"meeting_types.{meeting_type.id}"
            for key in ("name", "purpose", "inform_family", "on_request_note"):
                if (value := getattr(meeting_type, key)) is not None:
                    yield table, f"{prefix}.{key}", value
            for j, occasion in enumerate(meeting_type.cadence.occasions):  # the cadence comes before the steps
                yield (*table, "cadence", "occasions", j), f"{prefix}.cadence.occasions.{occasion.id}.name", occasion.name
            for j, step in enumerate(meeting_type.steps):
                for key in ("title", "description"):
                    yield (*table, "steps", j), f"{prefix}.steps.{step.id}.{key}", getattr(step, key)
                for n, prompt in enumerate(step.prompts):
                    yield (*table, "steps", j), f"{prefix}.steps.{step.id}.prompts.{n}", prompt
                for role, note in step.role_notes.items():
                    yield (*table, "steps", j, "role_notes"), f"{prefix}.steps.{step.id}.role_notes.{role}", note
            for j, question in enumerate(meeting_type.questions):
                where, name = (*table, "questions", j), f"{prefix}.questions.{question.id}"
                for key in ("text", "hint"):
                    if (value := getattr(question, key)) is not None:
                        yield where, f"{name}.{key}", value
                for n, choice in enumerate(question.choices or ()):
                    yield where, f"{name}.choices.{n}", choice
                for key in ("scale_low", "scale_high"):
                    if (value := getattr(question, key)) is not None:
                        yield where, f"{name}.{key}", value

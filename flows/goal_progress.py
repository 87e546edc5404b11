"""How the plan's goals are going: asked in preparation for a follow-up.

Each goal of the plan so far that is still being worked on (not reached or
dropped) becomes a question of its own at the start of a person's
preparation: a 0-10 "how is it going?" and then, if they like, a few words.
The answer is an ordinary preparation answer under the question id
``goal:<the goal's key>``: sealed at rest, with its author's choice of who may
see it, resumed, changed and erased like every other answer. The coordinator
sees what was shared in the /prep digest and beside each goal at the
meeting's goals step (flows.plan), where the goal's new "now" may be taken
from it.

Who is asked is the meeting type's `goal_progress` (every invited role unless
the model says otherwise); a professional only when they answer for one of
the plan's actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.answers import answer_text, coordinator_may_see
from flows.context import AnswerView, TaskView
from flows.text import Lines, Number, T, _

PREFIX = "goal:"
KIND = "progress"
LABEL_CHARS = 40  # a goal on a button


@dataclass(frozen=True)
class GoalQuestion:
    """A goal of the plan so far, asked about like a preparation question."""

    goal: dict  # key, text, sub, now, wanted (flows.plan's goal, as the plan holds it)
    kind: str = KIND
    hint: None = None
    choices: None = None
    visibility: None = None  # the meeting type's default, as for any question

    @property
    def id(self) -> str:
        return question_id(self.goal["key"])


def question_id(key: str) -> str:
    return f"{PREFIX}{key}"


def goal_key(question_id: str) -> str | None:
    return question_id[len(PREFIX):] if question_id.startswith(PREFIX) else None


def open_goals(goals) -> tuple[dict, ...]:
    """The goals still worked on: reached and dropped ones are not asked about."""
    return tuple({k: g.get(k) for k in ("key", "text", "sub", "now", "wanted")} for g in goals or ()
                 if g.get("key") and g.get("text") and g.get("status") not in ("reached", "dropped"))


def is_asked(meeting_type, role: str, person_id: int | None, actions: tuple[TaskView, ...]) -> bool:
    if role not in meeting_type.goal_progress_roles():
        return False
    if role == "professional":  # the family's goals are asked of those who work on them
        return person_id is not None and any(t.owned_by(person_id) and t.status != "cancelled" for t in actions)
    return True


def questions_for(meeting_type, role: str, person_id: int | None, goals, actions) -> tuple[GoalQuestion, ...]:
    if not is_asked(meeting_type, role, person_id, actions):
        return ()
    return questions_of(goals)


def questions_of(goals) -> tuple[GoalQuestion, ...]:
    """The goals still worked on, as the questions people were asked about them."""
    return tuple(GoalQuestion(goal) for goal in open_goals(goals))


def title(question) -> T:
    """A question's heading: the model's text (a msgid), or a goal in the family's own words (never translated)."""
    if isinstance(question, GoalQuestion):
        return _("🎯 How is it going: {goal}", goal=question.goal["text"])
    return T(question.text)


def label(question) -> T:
    """A question on a button: a goal is cut short to fit."""
    if isinstance(question, GoalQuestion):
        text = question.goal["text"]
        return _("🎯 {goal}", goal=text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…")
    return T(question.text)


# ---- what the coordinator sees ------------------------------------------------


@dataclass(frozen=True)
class Shared:
    name: str
    role: str
    answer: AnswerView


def shared_about(key: str, people) -> tuple[Shared, ...]:
    """What the people at a meeting shared about one goal in their preparation
    (`people` are flows.context.Attendee with their notes). "Only me" stays out."""
    found = []
    for person in people:
        for qid, answer in person.notes:
            if qid == question_id(key) and answer.kind == KIND and coordinator_may_see(answer):
                found.append(Shared(person.name, person.role, answer))
    return tuple(found)


def average(shared: tuple[Shared, ...]) -> float | None:
    numbers = [s.answer.value["scale"] for s in shared if s.answer.value.get("scale") is not None]
    return sum(numbers) / len(numbers) if numbers else None


def rounded(value: float) -> int:
    """A 0-10 value from an average: halves go up, as people round."""
    return int(value + 0.5)


def numbers_line(shared: tuple[Shared, ...]) -> T | None:
    """One line beside a goal: each person's number and the average."""
    numbers = tuple(_("{name} {n}", name=s.name, n=s.answer.value["scale"]) for s in shared if s.answer.value.get("scale") is not None)
    if not numbers:
        return None
    return _("   📣 How it is going, from preparation: {numbers} (average {average})",
             numbers=Lines(numbers, sep=", "), average=Number(average(shared)))


def answer_lines(shared: tuple[Shared, ...]) -> tuple[T, ...]:
    """Each person's number and words; 🔒 marks what only the coordinator may see."""
    from flows.labels import role_name

    return tuple(_("• <b>{name}</b> ({role}){mark}: {answer}", name=s.name, role=role_name(s.role),
                   mark="" if s.answer.visibility == "meeting" else " 🔒", answer=answer_text(None, s.answer))
                 for s in shared)

"""Tasks, without a database or Telegram."""

from dataclasses import replace
from datetime import timedelta

from flows.context import PersonView, TaskView
from flows.events import ButtonPress
from flows.outcome import CreateTask, TaskResponse
from tests.auxil.flowctx import NOW
from tests.flows.test_running import RunChat, run_chat


def task(**overrides) -> TaskView:
    fields = dict(ref="abc123", case_id=7, pseudonym="Family A", timezone="Europe/Stockholm", what="Call <the> school",
                  due_at=NOW + timedelta(days=7), status="open", owners=((2, "Anna", False),), coordinator_chat_id=900)
    return TaskView(**{**fields, **overrides})


def test_writing_a_task_down_needs_an_owner_and_gives_each_owner_a_notice():
    chat = run_chat(present=[2, 3, 4], absent_reason="ill")
    chat.command("meeting")
    chat.press("meeting:start")
    chat.press("meeting:task")
    chat.text("Grandma   takes Kim to football")
    out = chat.press("task:owners")
    assert out.toast is not None and not out.changes  # nobody chosen yet
    chat.press("task:own:2")
    chat.press("task:own:4")
    chat.press("task:owners")
    out = chat.press("task:due:7")
    (change,) = out.changes
    assert isinstance(change, CreateTask) and change.what == "Grandma takes Kim to football" and change.owner_ids == (2, 4)
    assert change.due_at.astimezone().date() == (NOW + timedelta(days=7)).date()
    notices = [r for r in out.replies if r.chat_id in (200, 400)]
    assert len(notices) == 2 and notices[0].buttons[0][0].action == f"task:ok:{change.ref}"
    assert chat.ctx.state.flow == "meeting"  # back at the control message


def test_a_typed_due_date_in_the_past_is_refused():
    chat = run_chat(present=[2, 3], absent_reason=None)
    chat.command("meeting")
    chat.press("meeting:start")
    chat.press("meeting:task")
    chat.text("A plan for mornings")
    chat.press("task:own:2")
    chat.press("task:owners")
    out = chat.text("1.1.2020")
    assert not out.changes and "already passed" in chat.last.replies[0].parts[0].msgid


def test_only_an_owner_answers_a_task_and_the_coordinator_is_told():
    anna = RunChat(replace(run_chat().ctx, person=PersonView(2, "Anna", False, "en"), tasks=(task(),)))
    out = anna._run(ButtonPress("-|task:done:abc123", 3))
    assert out.changes == (TaskResponse("abc123", "done"),)
    assert any(r.chat_id == 900 for r in out.replies)
    lars = RunChat(replace(anna.ctx, person=PersonView(4, "Lars", False, "en")))
    out = lars._run(ButtonPress("-|task:done:abc123", 3))
    assert not out.changes and not out.replies
    out = lars._run(ButtonPress("-|task:done:nosuchref", 3))
    assert not out.changes


def test_tasks_lists_ones_own_tasks_with_their_buttons():
    anna = RunChat(replace(run_chat().ctx, person=PersonView(2, "Anna", False, "en"),
                           tasks=(task(), task(ref="def456", what="Done thing", status="done"))))
    out = anna.command("tasks")
    actions = [b.action for r in out.replies for row in r.buttons for b in row]
    assert actions == ["task:done:abc123", "task:help:abc123", "task:date:abc123"]


def test_someone_not_at_the_meeting_can_take_on_a_task_too():
    chat = run_chat(present=[2, 3], absent_reason=None)
    chat.command("meeting")
    chat.press("meeting:start")
    chat.press("meeting:task")
    chat.text("Ask the school about a calm corner")
    assert "task:own:5" in chat.actions()  # Aino, the professional, is not here today
    chat.press("task:own:5")
    chat.press("task:owners")
    out = chat.press("task:due:none")
    assert out.changes[0].owner_ids == (5,) and out.changes[0].due_at is None
    assert any(r.chat_id == 500 for r in out.replies)

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


def shared(**overrides) -> TaskView:
    return task(owners=((2, "Anna", True), (4, "Lars", True), (5, "Aino", False)),
                owner_chats=((2, 200), (4, 400), (5, 500)), **overrides)


def owner_chat(person_id: int, name: str, the_task: TaskView, **ctx_overrides) -> RunChat:
    return RunChat(replace(run_chat().ctx, person=PersonView(person_id, name, False, "en"), tasks=(the_task,), **ctx_overrides))


def test_done_by_one_owner_of_a_shared_task_asks_the_others_and_the_coordinator_hears():
    anna = owner_chat(2, "Anna", shared())
    out = anna._run(ButtonPress("-|task:done:abc123", 3))
    assert out.changes == (TaskResponse("abc123", "done"),)
    asked = {r.chat_id: r for r in out.replies if r.chat_id in (400, 500)}
    assert set(asked) == {400, 500}
    assert [b.action for row in asked[400].buttons for b in row] == ["task:done:abc123", "task:notyet:abc123", "task:help:abc123"]
    (told,) = [r for r in out.replies if r.chat_id == 900]
    assert told.parts[0].msgid.startswith("✅ {name} has done their part of the task")
    assert told.buttons[0][0].action == "task:close:abc123"
    mine = next(r for r in out.replies if r.chat_id is None)
    assert "asked {names}" in mine.parts[0].msgid


def test_a_co_owner_can_still_ask_for_help_or_say_not_yet_after_another_said_done():
    lars = owner_chat(4, "Lars", shared(done_by=frozenset({2})))
    out = lars._run(ButtonPress("-|task:help:abc123", 3))
    assert out.changes == (TaskResponse("abc123", "help"),)
    assert any(r.chat_id == 900 and "asks for help" in r.parts[0].msgid for r in out.replies)
    out = lars._run(ButtonPress("-|task:notyet:abc123", 3))
    assert out.changes == (TaskResponse("abc123", "not_yet"),)
    assert any(r.chat_id == 900 and "not finished their part" in r.parts[0].msgid for r in out.replies)
    # Even once the whole task is done, a call for help reaches the coordinator.
    lars = owner_chat(4, "Lars", shared(status="done", done_by=frozenset({2, 4, 5})))
    out = lars._run(ButtonPress("-|task:help:abc123", 3))
    assert any(r.chat_id == 900 for r in out.replies)


def test_the_last_owner_to_say_done_finishes_the_task():
    aino = owner_chat(5, "Aino", shared(done_by=frozenset({2, 4})))
    out = aino._run(ButtonPress("-|task:done:abc123", 3))
    assert out.changes == (TaskResponse("abc123", "done"),)
    (told,) = [r for r in out.replies if r.chat_id == 900]
    assert "so the task is done" in told.parts[0].msgid and not told.buttons
    assert not [r for r in out.replies if r.chat_id in (200, 400)]
    again = owner_chat(2, "Anna", shared(done_by=frozenset({2})))._run(ButtonPress("-|task:done:abc123", 3))
    assert not again.changes and "already told me your part is done" in again.replies[0].parts[0].msgid


def test_the_coordinator_marks_a_shared_task_done_for_all_and_nobody_else_can():
    from flows.outcome import MarkTaskDone
    from tests.auxil.flowctx import case, coordinator

    the_task = shared(done_by=frozenset({2}))
    cia = RunChat(replace(run_chat().ctx, person=coordinator(), coordinated_cases=(case(),), tasks=(the_task,)))
    out = cia._run(ButtonPress("-|task:close:abc123", 3))
    assert out.changes == (MarkTaskDone("abc123"),)
    assert {r.chat_id for r in out.replies if r.chat_id} == {400, 500}  # the owners not done yet are told
    for stranger in (owner_chat(2, "Anna", the_task),
                     RunChat(replace(run_chat().ctx, person=coordinator(id=9), coordinated_cases=(case(coordinator_id=9, id=8),),
                                     tasks=(the_task,)))):
        out = stranger._run(ButtonPress("-|task:close:abc123", 3))
        assert not out.changes and not out.replies and not out.clear_buttons


def test_tasks_shows_an_owner_whose_part_is_done_that_the_others_are_awaited():
    anna = owner_chat(2, "Anna", shared(done_by=frozenset({2})))
    out = anna.command("tasks")
    actions = [b.action for r in out.replies for row in r.buttons for b in row]
    assert actions == ["task:help:abc123"]
    line = out.replies[1].parts[0]
    assert [o.msgid for o in line.params["owners"].items] == ["{name} ✅", "{name} ✓", "{name}"]


def test_a_strangers_press_on_a_task_leaves_the_message_alone():
    lars = owner_chat(9, "Stranger", task())
    out = lars._run(ButtonPress("-|task:done:abc123", 3))
    assert not out.changes and not out.replies and not out.clear_buttons

"""The /new flow, without a database or Telegram."""

from datetime import date, datetime, timezone

from flows.outcome import CreateCase
from flows.parsing import looks_like_identity_number, parse_date, parse_time
from tests.auxil.flowctx import Chat, coordinator, ctx


def new_case_chat() -> Chat:
    chat = Chat(ctx(person=coordinator()))
    chat.command("new")
    return chat


def test_only_coordinators_may_create_cases():
    chat = Chat(ctx(person=None))
    out = chat.command("new")
    assert out.state.flow is None
    assert "Only coordinators" in out.replies[0].parts[0].msgid


def test_whole_setup_creates_case_in_the_case_time_zone():
    chat = new_case_chat()
    chat.text("Family <A> & co")
    assert "setup:model:systemic" in chat.actions()
    chat.press("setup:model:systemic")  # one meeting type: straight to the date
    assert chat.ctx.state.step == "date"
    chat.text("3.12.2026")
    chat.text("14.30")
    chat.text("Town hall, room 2")
    assert chat.ctx.state.step == "summary"
    out = chat.press("setup:create")
    (change,) = out.changes
    assert isinstance(change, CreateCase)
    assert change.pseudonym == "Family <A> & co"  # stored as typed; escaped when shown
    assert change.model_id == "systemic" and change.meeting_type == "meeting"
    # 14:30 in Stockholm in December is 13:30 UTC.
    assert change.starts_at == datetime(2026, 12, 3, 13, 30, tzinfo=timezone.utc)
    assert change.place == "Town hall, room 2"
    assert out.state.flow is None


def test_model_with_several_meeting_types_asks_which():
    chat = new_case_chat()
    chat.text("Family B")
    chat.press("setup:model:danish_series")
    assert chat.ctx.state.step == "meeting_type"
    assert "setup:type:statusmode" in chat.actions() or any(a.startswith("setup:type:") for a in chat.actions())


def test_identity_numbers_are_refused_and_nothing_kept():
    chat = new_case_chat()
    for number in ("19850101-1234", "850101-1234", "010185-1234", "010185A123X", "198501011234"):
        out = chat.text(number)
        assert out.state.step == "pseudonym"
        assert "personal identity number" in out.replies[0].parts[0].msgid
        assert number not in str(out.state.data)


def test_dates_in_the_past_and_non_dates_are_refused():
    chat = new_case_chat()
    chat.text("Family C")
    chat.press("setup:model:systemic")
    assert "already passed" in chat.text("1.1.2020").replies[0].parts[0].msgid
    assert "couldn't read that as a date" in chat.text("next tuesday").replies[0].parts[0].msgid
    assert chat.ctx.state.step == "date"


def test_time_today_that_has_passed_is_refused():
    chat = new_case_chat()
    chat.text("Family D")
    chat.press("setup:model:systemic")
    chat.text("2026-11-23")  # NOW is 09:00 UTC = 10:00 in Stockholm
    out = chat.text("08:00")
    assert "already passed" in out.replies[0].parts[0].msgid
    assert chat.ctx.state.step == "time"


def test_editing_from_the_summary_returns_to_it():
    chat = new_case_chat()
    chat.text("Family E")
    chat.press("setup:model:systemic")
    chat.text("3.12.2026")
    chat.text("10:00")
    chat.press("setup:place:none")
    chat.press("setup:edit:pseudonym")
    chat.text("Family F")
    assert chat.ctx.state.step == "summary"
    assert chat.ctx.state.data["pseudonym"] == "Family F"
    chat.press("setup:edit:timezone")
    chat.press("setup:tz:Europe/Helsinki")
    out = chat.press("setup:create")
    assert out.changes[0].timezone == "Europe/Helsinki"
    assert out.changes[0].starts_at == datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
    assert out.changes[0].place is None


def test_text_where_a_button_is_expected_repeats_the_question():
    chat = new_case_chat()
    chat.text("Family G")
    out = chat.text("systemic please")
    assert "buttons" in out.replies[0].parts[0].msgid
    assert chat.ctx.state.step == "model"
    assert any(a.startswith("setup:model:") for a in chat.actions())


def test_parsers():
    today = date(2026, 11, 23)
    assert parse_date("2026-12-03", today) == date(2026, 12, 3)
    assert parse_date("3/12/26", today) == date(2026, 12, 3)
    assert parse_date("3.12.", today) == date(2026, 12, 3)
    assert parse_date("1.2.", today) == date(2027, 2, 1)
    assert parse_date("31.2.2027", today) is None
    assert parse_time("kl. 9") is not None and parse_time("9.05").minute == 5
    assert parse_time("25:00") is None
    assert not looks_like_identity_number("Family A 2026")

"""The operator's coordinators: `meetbot coordinators`, `coordinator-remove`
and `handover`, and what erasure does with the case_coordinators table."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.cli import EXIT_FAILED
from bot.coordinators import NotFound, list_coordinators, operator_handover, orphaned_cases, remove_coordinator
from bot.db.models import AuditEntry, Case, CaseCoordinator, OutboxMessage, Participant, Person
from bot.delivery.sealed import opened
from bot.storage.case_coordinators import coordinators_of
from bot.storage.erasure import erase_cases, erase_people, people_only_in
from bot.storage.sealing import Sealer
from tests.auxil.running import TEST_KEY, env_for
from tests.bot.test_startup import meetbot

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
SEALER = Sealer.from_setting(TEST_KEY)  # the key `meetbot` runs with in these tests (env_for)


async def people_and_cases(sessionmaker):
    """Cia (Swedish) leads Family A with Eva beside her, and alone leads Family B; Dan is a coordinator
    without cases; Anna (Danish) takes part in Family A."""
    async with sessionmaker() as session, session.begin():
        cia = Person(telegram_user_id=1, chat_id=1, name="Cia", language="sv", is_coordinator=True, created_at=NOW)
        eva = Person(telegram_user_id=2, chat_id=2, name="Eva", language="fi", is_coordinator=True, created_at=NOW)
        dan = Person(telegram_user_id=3, chat_id=3, name="Dan", language="en", is_coordinator=True, created_at=NOW)
        anna = Person(telegram_user_id=4, chat_id=4, name="Anna", language="da", created_at=NOW)
        session.add_all([cia, eva, dan, anna])
        await session.flush()
        a = Case(pseudonym="Family A", coordinator_id=cia.id, model_id="systemic", timezone="Europe/Stockholm", created_at=NOW)
        b = Case(pseudonym="Family B", coordinator_id=cia.id, model_id="systemic", timezone="Europe/Stockholm", created_at=NOW)
        session.add_all([a, b])
        await session.flush()
        session.add_all([CaseCoordinator(case_id=a.id, person_id=cia.id, added_at=NOW),
                         CaseCoordinator(case_id=a.id, person_id=eva.id, added_at=NOW + timedelta(minutes=1)),
                         CaseCoordinator(case_id=b.id, person_id=cia.id, added_at=NOW),
                         Participant(case_id=a.id, person_id=anna.id, role="family", joined_at=NOW),
                         AuditEntry(actor_id=cia.id, action="became_coordinator", detail={}, at=NOW - timedelta(days=30))])
        return {"cia": cia.id, "eva": eva.id, "dan": dan.id, "anna": anna.id, "a": a.id, "b": b.id}


async def texts_to(sessionmaker, chat_id: int) -> list[str]:
    async with sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id)))
    return [opened(row, SEALER)[0]["text"] for row in rows]


async def test_removing_a_coordinator_keeps_their_cases_and_tells_them_kindly(sessionmaker):
    ids = await people_and_cases(sessionmaker)
    name, chat, orphans = await remove_coordinator(sessionmaker, "cia", sealer=SEALER, default_locale="en", now=NOW)
    assert (name, chat) == ("Cia", 1)
    assert [(o.id, o.pseudonym, o.last_coordinator) for o in orphans] == [(ids["b"], "Family B", "Cia")]
    (told,) = await texts_to(sessionmaker, 1)
    assert told.startswith("Din roll som samordnare")  # in her own language, Swedish
    async with sessionmaker() as session:
        cases = {c.pseudonym: c for c in await session.scalars(select(Case))}
        assert cases["Family A"].coordinator_id == ids["eva"]  # Eva, beside her, leads now
        assert cases["Family B"].coordinator_id is None and cases["Family B"].status == "open"  # kept, orphaned
        assert not (await session.get(Person, ids["cia"])).is_coordinator
    # Eva and Anna hear who leads Family A now, each in their language.
    assert any("Eva" in text and "Family A" in text for text in await texts_to(sessionmaker, 4))
    assert any("Family A" in text for text in await texts_to(sessionmaker, 2))

    listed = {row.name: row for row in await list_coordinators(sessionmaker)}
    assert listed["Cia"].removed_at == NOW and listed["Cia"].cases == 0
    assert listed["Cia"].since == NOW - timedelta(days=30)  # from the trail: when she became one
    assert listed["Eva"].removed_at is None and listed["Eva"].cases == 1 and listed["Dan"].cases == 0
    assert "removed 2026-11-30" in listed["Cia"].render() and "active" in listed["Eva"].render()
    with pytest.raises(NotFound, match="no active coordinator"):
        await remove_coordinator(sessionmaker, "Cia", sealer=SEALER, default_locale="en", now=NOW)


async def test_the_operator_hands_an_orphaned_case_over(sessionmaker):
    ids = await people_and_cases(sessionmaker)
    await remove_coordinator(sessionmaker, "Cia", sealer=SEALER, default_locale="en", now=NOW)
    done = await operator_handover(sessionmaker, "Family B", "dan", sealer=SEALER, default_locale="en", now=NOW)
    assert done == f"case {ids['b']} (Family B) is handed over to Dan"
    assert await orphaned_cases(sessionmaker) == []
    assert any("Family B</b> has been handed over to you" in t for t in await texts_to(sessionmaker, 3))
    async with sessionmaker() as session:
        assert (await session.get(Case, ids["b"])).coordinator_id == ids["dan"]
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "handed_over"))
        assert entry.actor_id is None and entry.detail == {"person": ids["dan"], "by": "operator"}


async def test_the_operator_hands_over_from_the_lead_or_adds_beside(sessionmaker):
    ids = await people_and_cases(sessionmaker)
    await operator_handover(sessionmaker, str(ids["a"]), "Dan", sealer=SEALER, default_locale="en", now=NOW)
    async with sessionmaker() as session:
        case = await session.get(Case, ids["a"])
        assert case.coordinator_id == ids["dan"]
        assert [p.name for p in (await coordinators_of(session, [case.id]))[case.id]] == ["Dan", "Eva"]
    assert any("Family A</b> har lämnats över till Dan" in t for t in await texts_to(sessionmaker, 1))  # Cia, in Swedish
    done = await operator_handover(sessionmaker, "Family B", "Eva", add=True, sealer=SEALER, default_locale="en", now=NOW)
    assert "beside the others" in done
    async with sessionmaker() as session:
        case = await session.get(Case, ids["b"])
        assert case.coordinator_id == ids["cia"]
        assert [p.name for p in (await coordinators_of(session, [case.id]))[case.id]] == ["Cia", "Eva"]


@pytest.mark.parametrize(("case", "to", "why"), [
    ("Family C", "Dan", "no case has the id or pseudonym"),
    ("Family A", "Anna", "no active coordinator"),  # not a coordinator
    ("Family A", "Eva", "already coordinates"),
])
async def test_the_operator_handover_refuses_what_cannot_be(sessionmaker, case, to, why):
    await people_and_cases(sessionmaker)
    with pytest.raises(NotFound, match=why):
        await operator_handover(sessionmaker, case, to, sealer=SEALER, default_locale="en", now=NOW)


async def test_two_coordinators_with_one_name_are_named_by_id(sessionmaker):
    ids = await people_and_cases(sessionmaker)
    async with sessionmaker() as session, session.begin():
        session.add(Person(telegram_user_id=9, chat_id=9, name="dan", is_coordinator=True, created_at=NOW))
    with pytest.raises(NotFound, match="2 coordinators are called 'Dan': give the id"):
        await operator_handover(sessionmaker, "Family B", "Dan", sealer=SEALER, default_locale="en", now=NOW)
    await operator_handover(sessionmaker, "Family B", str(ids["dan"]), sealer=SEALER, default_locale="en", now=NOW)


async def test_erasure_takes_the_case_coordinators_rows_along(sessionmaker):
    ids = await people_and_cases(sessionmaker)
    async with sessionmaker() as session, session.begin():
        # Eva coordinates Family A, which is not erased: she is not "only in" Family B.
        assert ids["eva"] not in await people_only_in(session, [ids["b"]])
        await erase_cases(session, [ids["a"]])
    async with sessionmaker() as session, session.begin():
        assert set(await session.scalars(select(CaseCoordinator.case_id))) == {ids["b"]}
        await erase_people(session, [ids["cia"]])
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(CaseCoordinator)) == 0
        assert (await session.get(Case, ids["b"])).coordinator_id is None


async def test_the_commands_say_what_they_did_and_refuse_clearly(sessionmaker, database_url, emulator):
    ids = await people_and_cases(sessionmaker)
    env = env_for(emulator, database_url)

    refused = await meetbot("coordinator-remove", "Nobody", env=env)
    assert refused.returncode == EXIT_FAILED
    assert "Not removed: no active coordinator has the id or name 'Nobody'" in refused.stderr
    removed = await meetbot("coordinator-remove", str(ids["cia"]), env=env)
    assert removed.returncode == 0, removed.stderr
    assert "Cia is no longer a coordinator" in removed.stdout and f"case {ids['b']} (Family B)" in removed.stdout
    scopes = [call.params.get("scope") for call in emulator.calls_of("deleteMyCommands")]
    assert any((json.loads(scope) if isinstance(scope, str) else scope) == {"type": "chat", "chat_id": 1}
               for scope in scopes)  # her menu is everyone's again

    listed = await meetbot("coordinators", env=env)
    cia = next(line for line in listed.stdout.splitlines() if "Cia" in line)
    assert "since 2026-10-31" in cia and "removed" in cia and "0 case(s)" in cia
    assert "Open cases without a coordinator:" in listed.stdout and "meetbot handover --case ID --to WHO" in listed.stdout
    handed = await meetbot("handover", "--case", "Family B", "--to", "Dan", env=env)
    assert handed.returncode == 0 and "Done: case" in handed.stdout
    again = await meetbot("handover", "--case", "Family B", "--to", "Dan", env=env)
    assert again.returncode == EXIT_FAILED and "Dan already coordinates" in again.stderr
    assert "without a coordinator" not in (await meetbot("coordinators", env=env)).stdout

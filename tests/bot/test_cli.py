"""The command line: demo, coordinator links, models, purge, and what the log may show."""

import importlib.metadata
import logging
import sysconfig
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.cli import RedactingFormatter, main
from bot.db.models import Case, InboundUpdate, Invite, Person
from bot.demo import run_demo
from bot.purge import purge_with


async def test_demo_plays_the_journeys_and_prints_every_chat(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the plan's PDF is written where the demo runs
    assert await run_demo() == 0
    out = capsys.readouterr().out
    for person in ("Cia Lindqvist · sv", "Anna Sjöberg · da", "Lars · sv", "Aino Virtanen · fi", "Mette · da", "Jukka · fi",
                   "Oliver · da"):
        assert person in out
    assert "Familjen A <Sjöberg & co>" in out  # typed HTML characters shown as typed
    # QR codes per role (the systemic meeting's reflecting team too), Anna's map and Cia's copy,
    # the second case's QR codes, the feedback chart, the Danish case's QR codes
    assert out.count("[photo:") == 5 + 2 + 4 + 1 + 4
    assert "[sticker" in out
    # Preparation, each in their own language: Anna's question in Danish, Lars finishing in Swedish.
    assert "Spørgsmål 1 ud af 4" in out and "Tack! Nu är du klar med förberedelserna." in out
    assert "Netværkskort" not in out.split("── Anna")[0]  # Cia reads Swedish, not Danish
    assert "Nätverkskarta från Anna Sjöberg" in out
    assert "Jeg er bange for" not in out.split("── Anna")[0]  # Anna's note for herself stays hers
    # The meeting: Anna's turn comes with her own notes as a cue card, in Danish.
    anna = out.split("── Anna")[1].split("── Lars")[0]
    assert "📝" in anna and anna.count("Jeg er bange for") >= 2  # her note, and her cue card at each step she speaks
    assert "Ringa skolan" in anna and "Morgnarna ska bli lugnare" in anna  # her task, and the goal in the plan
    # The plan: Anna agrees, Lars has read it, everyone has the PDF, Cia sees who has agreed.
    assert "Jeg har noteret, at du er enig i planen." in anna and "Tack för att du läste planen." in out.split("── Lars")[1]
    assert "[file: handleplan-familjen-a-sjöberg-co-v1.pdf]" in anna and "[file: plan-familjen-a-sjöberg-co-v1.pdf]" in cia_part(out)
    assert "Anna Sjöberg: samtycker" in cia_part(out)
    (pdf,) = tmp_path.glob("meetbot-demo-*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and str(pdf) in out
    # The family group conference: Jukka leaves the room, Mette's family calls him back.
    jukka = out.split("── Jukka")[1]
    assert "Poistu hetkeksi huoneesta" in jukka and "Perhe on valmis" in jukka
    assert "Dette er jeres egen tid som familie" in out.split("── Mette")[1]
    # Feedback: Mette's low answers alert Cia, in Swedish; Cia reads the results.
    cia = out.split("── Anna")[0]
    assert "Återkoppling att titta på" in cia and "Hur mötena kändes: Familjen A" in cia
    # The next meeting: each reads it in their own language with a calendar file; Cia sees the answers.
    assert "[file: moede-" in anna and "[file: mote-" in out.split("── Lars")[1] and "[file: kokous-" in out.split("── Aino")[1]
    assert "Kommer: Anna Sjöberg" in cia and "Kan inte komma: Morfar Lars" in cia and "Torstaisin kello 15" in cia
    # The Danish series: a status meeting and a talk with Oliver both ahead, and the cadence rules said plainly.
    series = cia.split("Familie J")[-1]
    assert "Samtal med barnet: senast hållet inte än; nästa" in series and "Statusmöte: senast hållet inte än; nästa" in series
    assert "Nätverksmöte är 12 dagar försenat" in series
    assert "Samtal med barnet inför uppföljningen efter tre månader: senast" in series
    assert out.split("── Oliver")[1].count("[file: moede-") == 2  # each meeting with its own calendar file


def cia_part(out: str) -> str:
    return out.split("── Anna")[0]


def test_models_command_lists_and_refuses(tmp_path, capsys):
    assert main(["models"]) == 0
    assert "danish_series" in capsys.readouterr().out
    (tmp_path / "broken.toml").write_text('id = "broken"\nname = "x"\n')
    assert main(["models", str(tmp_path)]) == 1
    assert "broken.toml" in capsys.readouterr().err


def test_token_and_keys_never_reach_the_log(caplog):
    logger = logging.getLogger("meetbot.test")
    handler = logging.Handler()
    seen = []
    handler.emit = lambda record: seen.append(handler.format(record))
    handler.setFormatter(RedactingFormatter("%(message)s", ["123:SECRET", "KEY="]))
    logger.addHandler(handler)
    logger.warning("calling https://api.telegram.org/bot%s/getMe", "123:SECRET")
    try:
        raise ValueError("bad key KEY= for https://api.telegram.org/bot123:SECRET/getMe")
    except ValueError:
        logger.exception("failed")  # the traceback is masked too
    logger.removeHandler(handler)
    assert seen[0] == "calling https://api.telegram.org/bot<redacted>/getMe"
    assert "SECRET" not in seen[1] and "KEY=" not in seen[1] and "ValueError" in seen[1]


async def test_coordinator_invite_is_one_time_and_hashed(sessionmaker, database_url):
    from bot.config import Settings
    from bot.coordinators import create_coordinator_invite

    link = await create_coordinator_invite(Settings(database_url=database_url), username="meet_bot",
                                           ttl=timedelta(hours=2), sessionmaker=sessionmaker)
    token = link.split("start=")[1]
    assert link.startswith("https://t.me/meet_bot?start=") and len(token) >= 22
    async with sessionmaker() as session:
        invite = await session.scalar(select(Invite))
    assert invite.kind == "coordinator" and token not in invite.token_hash


async def test_purge_erases_closed_cases_after_retention_and_old_traces(sessionmaker):
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        person = Person(telegram_user_id=1, chat_id=1, name="Cia", is_coordinator=True, created_at=now)
        session.add(person)
        await session.flush()
        session.add_all([
            Case(pseudonym="Old", coordinator_id=person.id, model_id="systemic", timezone="Europe/Oslo",
                 status="closed", created_at=now - timedelta(days=500), closed_at=now - timedelta(days=400)),
            Case(pseudonym="Recent", coordinator_id=person.id, model_id="systemic", timezone="Europe/Oslo",
                 status="closed", created_at=now - timedelta(days=20), closed_at=now - timedelta(days=10)),
            Case(pseudonym="Open", coordinator_id=person.id, model_id="systemic", timezone="Europe/Oslo", created_at=now),
            InboundUpdate(update_id=5, received_at=now - timedelta(days=30), handled_at=now - timedelta(days=30)),
        ])
    erased = await purge_with(sessionmaker, retention_days=365, now=now)
    assert erased["closed cases"] == 1 and erased["handled updates"] == 1
    async with sessionmaker() as session:
        assert sorted(await session.scalars(select(Case.pseudonym))) == ["Open", "Recent"]


def test_an_installed_package_carries_compiled_catalogs():
    # Look in site-packages only: the source tree's meetbot.egg-info (left by
    # the build) is on sys.path too and does not list the compiled catalogs.
    site_packages = sysconfig.get_paths()["purelib"]
    installed = list(importlib.metadata.distributions(name="meetbot", path=[site_packages]))
    if not installed:
        pytest.skip("meetbot is not installed")
    names = {str(f) for f in installed[0].files or []}
    if not any(name.startswith("bot/") for name in names):
        pytest.skip("an editable install: catalogs are read from locales/")
    for language in ("sv", "da", "fi", "en"):
        assert f"bot/locales/{language}/LC_MESSAGES/meetbot.mo" in names

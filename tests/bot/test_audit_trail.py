"""`meetbot audit`: who did what to a case, with names, never ids of people or answers."""

import re

from bot.cli import EXIT_DATABASE, EXIT_FAILED
from tests.auxil.people import act, create_case
from tests.auxil.running import env_for
from tests.bot.test_startup import meetbot
from tests.e2e.test_preparation import case_with, start_preparing


async def test_the_trail_of_a_case_reads_as_who_did_what(emulator, bot, database_url):
    cia, (anna,) = await case_with(emulator, bot, "family member")  # the case "Family A"
    await start_preparing(anna)
    await act(anna, anna.send_text("We are worried about the mornings."), contains="Saved")
    await act(cia, cia.send_command("prep"), contains="Preparation for")
    await act(cia, cia.press("📋 Shared answers by question"), contains="Shared answers")
    await create_case(cia, pseudonym="Family <B>")
    env = env_for(emulator, database_url)

    done = await meetbot("audit", "--case", "Family A", env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Cia: created the case" in out and "(Family A)" in out and "Family <B>" not in out
    assert "Cia: made an invitation link for a family member" in out
    assert "Anna: joined as family member" in out
    assert re.search(r"Cia: viewed the preparation digest of the meeting on \d{4}-\d\d-\d\d", out)
    assert "worried" not in out  # never what anyone wrote
    assert "became a coordinator" not in out  # about no case

    everything = (await meetbot("audit", env=env)).stdout
    assert "Cia: became a coordinator" in everything and "(Family <B>)" in everything
    assert "the operator: a coordinator link was made" in everything

    assert (await meetbot("audit", "--since", "2999-01-01", env=env)).returncode == EXIT_FAILED
    assert "Anna: joined" in (await meetbot("audit", "--case", "Family A", "--since", "1d", env=env)).stdout
    refused = await meetbot("audit", "--since", "last week", env=env)
    assert refused.returncode == EXIT_FAILED and "--since" in refused.stderr
    assert (await meetbot("audit", "--case", "Nobody", env=env)).returncode == EXIT_FAILED


async def test_commands_refuse_to_make_a_second_database(emulator, tmp_path):
    path = tmp_path / "elsewhere" / "meetbot.sqlite3"
    path.parent.mkdir()
    env = env_for(emulator, f"sqlite+aiosqlite:///{path}")
    for command in (["coordinator-invite"], ["audit"]):
        done = await meetbot(*command, env=env)
        assert done.returncode == EXIT_DATABASE and f"no database at {path}" in done.stderr
        assert not path.exists()

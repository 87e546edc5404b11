"""The deployment files stay in step with the program."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_example_settings_file_names_every_setting():
    example = (DEPLOY / "meetbot.env.example").read_text()
    named = set(re.findall(r"^#?(MEETBOT_[A-Z_]+)=", example, re.M))
    assert named == {f"MEETBOT_{name.upper()}" for name in Settings.model_fields}


def test_the_systemd_unit_restarts_on_failure_with_absolute_paths():
    unit = (DEPLOY / "meetbot.service").read_text()
    assert "Restart=on-failure" in unit and "EnvironmentFile=/etc/meetbot/meetbot.env" in unit
    for key in ("ExecStart", "WorkingDirectory", "EnvironmentFile"):
        (value,) = re.findall(rf"^{key}=(\S+)", unit, re.M)
        assert value.startswith("/")
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not here")
    done = subprocess.run(["systemd-analyze", "verify", str(DEPLOY / "meetbot.service")], capture_output=True, text=True)
    # The one thing it may say here: the program is not installed in /opt/meetbot on this machine.
    complaints = [line for line in (done.stdout + done.stderr).splitlines()
                  if line.strip() and "/opt/meetbot/.venv/bin/meetbot" not in line]
    assert complaints == []


def test_the_container_runs_as_a_user_and_checks_its_health():
    container = (DEPLOY / "Containerfile").read_text()
    assert re.search(r"^USER meetbot$", container, re.M) and "HEALTHCHECK" in container and '"status"' in container
    assert "-c deploy/constraints.txt" in container


def test_the_constraints_pin_every_dependency():
    pins = [line for line in (DEPLOY / "constraints.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[^=\s]+", p) for p in pins)
    names = {p.split("==")[0].lower().replace("_", "-") for p in pins}
    assert {"python-telegram-bot", "sqlalchemy", "asyncpg", "prometheus-client", "aiohttp"} <= names

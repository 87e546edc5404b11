"""Bots as their own processes, as in production: meetbot (`meetbot run`,
with its statements and commits counted, see counted.py) and the bare echo
bot, both polling an emulator that runs in the benchmark's process."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

from bot.emulator.process_env import bot_process_env

ROOT = Path(__file__).resolve().parent.parent
KEY = Fernet.generate_key().decode()


def meetbot_env(emulator, database_url: str, counts: str, **settings: str) -> dict[str, str]:
    env = bot_process_env(emulator, database_url, KEY,  # sealed at rest, as in production
                          **{"MEETBOT_LOG_LEVEL": "WARNING", "MEETBOT_BENCH_COUNTS": counts, **settings})
    env["PYTHONPATH"] = str(ROOT)
    return env


async def _until_polling(emulator, process: subprocess.Popen, log, polls_before: int) -> float:
    started = time.perf_counter()
    while len(emulator.calls_of("getUpdates")) <= polls_before:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(log.read().decode(errors="replace"))
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


class BotProcess:
    """A bot process: started, then polling (`startup` seconds after the
    process was started), then stopped with SIGTERM as systemd would."""

    def __init__(self, command: list[str], env: dict[str, str], counts: str | None = None):
        self.command, self.env, self.counts_path = command, env, counts
        self.process: subprocess.Popen | None = None
        self.startup = 0.0
        self.log = tempfile.TemporaryFile()

    async def start(self, emulator) -> "BotProcess":
        polls_before = len(emulator.calls_of("getUpdates"))
        started = time.perf_counter()
        self.process = await asyncio.to_thread(subprocess.Popen, self.command, env=self.env, cwd=ROOT,
                                               stdout=subprocess.DEVNULL, stderr=self.log)
        await _until_polling(emulator, self.process, self.log, polls_before)
        self.startup = time.perf_counter() - started
        return self

    async def counts(self) -> dict[str, int]:
        """Statements and commits so far (read from the file the process writes)."""
        await asyncio.sleep(0.3)  # the file is rewritten every 0.1 s
        return json.loads(Path(self.counts_path).read_text())

    async def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)


def meetbot(emulator, database_url: str, counts: str, **settings: str) -> BotProcess:
    return BotProcess([sys.executable, "-m", "benchmarks.counted", "run"],
                      meetbot_env(emulator, database_url, counts, **settings), counts)


def echo_bot(emulator) -> BotProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return BotProcess([sys.executable, "-m", "benchmarks.echo_bot", emulator.token, emulator.base_url,
                       emulator.base_file_url], env)


def spread(values: list[float], digits: int = 2) -> str:
    """median (min–max)"""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

"""`meetbot` exactly as installed, with every SQL statement and commit
counted (not timed): `python -m benchmarks.counted run` behaves as
`meetbot run`, and writes {"statements": n, "commits": n} to the file named
by MEETBOT_BENCH_COUNTS a few times a second. The counting is a SQLAlchemy
event listener on every engine of the process; the bot's code is untouched."""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

COUNTS = {"statements": 0, "commits": 0}


def _count_statement(*_args, **_kwargs) -> None:
    COUNTS["statements"] += 1


def _count_commit(*_args, **_kwargs) -> None:
    COUNTS["commits"] += 1


def _writer(path: str) -> None:
    while True:
        with open(path + ".tmp", "w") as out:
            json.dump(COUNTS, out)
        os.replace(path + ".tmp", path)
        time.sleep(0.1)


def main() -> int:
    path = os.environ["MEETBOT_BENCH_COUNTS"]
    event.listen(Engine, "before_cursor_execute", _count_statement)
    event.listen(Engine, "commit", _count_commit)
    threading.Thread(target=_writer, args=(path,), daemon=True).start()
    from bot.cli import main as meetbot

    return meetbot()


if __name__ == "__main__":
    sys.exit(main())

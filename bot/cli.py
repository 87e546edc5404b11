"""The `meetbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import timedelta

from bot.config import Settings, get_settings


class RedactSecret(logging.Filter):
    """Replaces the bot token wherever it would appear in a log line."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), ()
        return True


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its start-up chatter is not news
    if settings.token is not None:
        for handler in logging.getLogger().handlers:
            handler.addFilter(RedactSecret(settings.token.get_secret_value()))


def cmd_migrate(settings: Settings, _args) -> int:
    from bot.db.migrate import upgrade

    upgrade(settings.database_url)
    print("The database is up to date.")
    return 0


def cmd_run(settings: Settings, _args) -> int:
    if settings.token is None:
        print("Set MEETBOT_TOKEN to the token @BotFather gave you (see the README).", file=sys.stderr)
        return 2
    from bot.app import Runtime
    from bot.db.migrate import upgrade

    upgrade(settings.database_url)

    async def main() -> None:
        runtime = Runtime(settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, runtime.stopping.set)
        await runtime.start()
        logging.getLogger("meetbot").info("running; press Ctrl+C to stop")
        await runtime.stopping.wait()
        await runtime.stop()

    asyncio.run(main())
    return 0


def cmd_coordinator_invite(settings: Settings, args) -> int:
    from bot.coordinators import create_coordinator_invite

    link = asyncio.run(create_coordinator_invite(settings, username=args.username,
                                                 ttl=timedelta(hours=args.hours or settings.coordinator_invite_ttl_hours)))
    print(link)
    return 0


def cmd_demo(settings: Settings, args) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(keep_database=args.database))


def cmd_purge(settings: Settings, _args) -> int:
    from bot.purge import purge

    report = asyncio.run(purge(settings))
    print(report)
    return 0


def cmd_models(settings: Settings, args) -> int:
    from flows.meeting_models import ModelError, load_models

    dirs = [d for d in (settings.models_dir, *args.dirs) if d]
    try:
        models = load_models(*dirs)
    except ModelError as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 1
    for model in models.values():
        types = ", ".join(t.id for t in model.meeting_types)
        print(f"{model.id}: {model.name} ({len(model.meeting_types)} meeting type(s): {types})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meetbot", description="A Telegram companion for family-network meetings.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling); migrates the database first")
    sub.add_parser("migrate", help="bring the database to the newest schema")
    invite = sub.add_parser("coordinator-invite", help="print a one-time link that makes its opener a coordinator")
    invite.add_argument("--username", help="the bot's username (asked from Telegram if not given)")
    invite.add_argument("--hours", type=int, help="how long the link works")
    demo = sub.add_parser("demo", help="play a whole journey offline against the built-in Bot API emulator")
    demo.add_argument("--database", help="keep the demo's database in this SQLite file")
    sub.add_parser("purge", help="erase what the retention period says must go")
    models = sub.add_parser("models", help="check and list the meeting models")
    models.add_argument("dirs", nargs="*", help="extra folders of model files to check")
    args = parser.parse_args(argv)

    settings = get_settings()
    _configure_logging(settings)
    commands = {
        "run": cmd_run, "migrate": cmd_migrate, "coordinator-invite": cmd_coordinator_invite,
        "demo": cmd_demo, "purge": cmd_purge, "models": cmd_models,
    }
    return commands[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())

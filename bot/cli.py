"""The `meetbot` command line.

A command that cannot start says why in one line on stderr, without secrets,
and exits with a code that tells what to look at: 1 the command refused or
failed, 2 a setting is missing or wrong, 3 Telegram refused the token, 4 the
Bot API cannot be reached, 5 the database cannot be opened or migrated."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import timedelta

from pydantic import ValidationError

from bot.config import MAKE_KEY, Settings, describe_error, get_settings, secrets_of

EXIT_FAILED = 1  # the command ran and refused or failed (a broken model file, nothing confirmed)
EXIT_CONFIG = 2  # a setting is missing or wrong
EXIT_TOKEN = 3  # Telegram refused the token
EXIT_NETWORK = 4  # the Bot API cannot be reached
EXIT_DATABASE = 5  # the database cannot be opened or migrated

# Loggers of the libraries underneath, with the most they may say. At DEBUG
# they write every request (the token is in its URL), every update and every
# SQL parameter (names, answers): whatever MEETBOT_LOG_LEVEL says, they stay
# at these levels.
LIBRARY_LEVELS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,  # logs each request's URL at INFO
    "httpcore": logging.WARNING,
    "sqlalchemy": logging.WARNING,  # INFO is echo: statements and their parameters
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
    "alembic": logging.WARNING,  # its start-up chatter is not news
    "aiohttp": logging.WARNING,  # the emulator's access log (demo) has the token in its URLs
    "asyncio": logging.WARNING,
    "matplotlib": logging.WARNING,
    "PIL": logging.WARNING,
}


class StartupError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<redacted>")
    return text


class RedactingFormatter(logging.Formatter):
    """Takes the token and the keys out of the whole formatted line, tracebacks included."""

    def __init__(self, fmt: str, secrets: list[str]):
        super().__init__(fmt)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def configure_logging(settings: Settings) -> None:
    level = logging.getLevelName(settings.log_level.upper())
    level = level if isinstance(level, int) else logging.INFO
    logging.basicConfig(level=level)
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets_of(settings))
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    for name, most in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(max(most, level))


def _where(settings: Settings) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    except Exception:
        return "MEETBOT_DATABASE_URL"


def _database_error(settings: Settings, exc: Exception) -> StartupError:
    from sqlalchemy.engine import make_url

    where = _where(settings)
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    try:
        password = make_url(settings.database_url).password
    except Exception:
        password = None
    secrets = secrets_of(settings) + ([str(password)] if password else [])
    return StartupError(EXIT_DATABASE, f"cannot open or migrate the database {where}: {redact(reason, secrets)}")


def _migrate(settings: Settings) -> None:
    from bot.db.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except (OSError, ImportError, ValueError) as exc:
        raise _database_error(settings, exc) from exc
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError) or type(exc).__module__.startswith(("asyncpg", "sqlite3", "aiosqlite")):
            raise _database_error(settings, exc) from exc
        raise


def cmd_migrate(settings: Settings, _args) -> int:
    _migrate(settings)
    print("The database is up to date.")
    return 0


def _refuse_without_key(settings: Settings) -> None:
    if settings.encryption_key is None and not settings.store_unencrypted:
        raise StartupError(EXIT_CONFIG, (
            "MEETBOT_ENCRYPTION_KEY is not set: make a key with "
            f"{MAKE_KEY}, set it, and keep a copy somewhere safe (answers cannot be read without it); "
            "or set MEETBOT_STORE_UNENCRYPTED=true to store answers unencrypted"))


def cmd_run(settings: Settings, args, *, mode: str | None = None) -> int:
    if getattr(args, "webhook", None):
        if not args.webhook.startswith("https://"):
            raise StartupError(EXIT_CONFIG, "--webhook: must be an https:// address (Telegram posts only to https)")
        settings = settings.model_copy(update={"webhook_url": args.webhook})
    if getattr(args, "polling", False):
        settings = settings.model_copy(update={"webhook_url": None})
    if settings.token is None:
        raise StartupError(EXIT_CONFIG, "MEETBOT_TOKEN is not set: set it to the token @BotFather gave you (see the README)")
    _refuse_without_key(settings)
    if settings.encryption_key is None:
        logging.getLogger("meetbot").warning("MEETBOT_STORE_UNENCRYPTED is set: answers are stored unencrypted")
    _migrate(settings)
    logging.getLogger("meetbot").debug("starting: database %s, Bot API %s, answers %s", _where(settings),
                                       settings.api_base_url, "encrypted" if settings.encryption_key else "unencrypted")
    _print_files(settings)

    async def main() -> None:
        from telegram.error import InvalidToken, NetworkError

        from bot.app import Runtime
        from flows.meeting_models import ModelError

        try:
            runtime = Runtime(settings, mode=mode)
        except ModelError as exc:
            raise StartupError(EXIT_CONFIG, f"MEETBOT_MODELS_DIR: {exc}") from exc
        try:
            await runtime.start()
        except InvalidToken as exc:
            await _quietly(runtime.stop())
            raise StartupError(EXIT_TOKEN, "Telegram refused the token (MEETBOT_TOKEN): check it with @BotFather") from exc
        except OSError as exc:  # the webhook's port is taken, or not ours to listen on
            await _quietly(runtime.stop())
            raise StartupError(EXIT_CONFIG, f"MEETBOT_WEBHOOK_LISTEN {settings.webhook_listen}: cannot listen there "
                                            f"({exc.strerror or exc})") from exc
        except NetworkError as exc:  # TimedOut is one too
            await _quietly(runtime.stop())
            base = settings.api_base_url
            raise StartupError(EXIT_NETWORK, f"cannot reach the Bot API at {base} ({redact(str(exc), secrets_of(settings))}): "
                                             "check the network, or MEETBOT_API_BASE_URL") from exc
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, runtime.stopping.set)
        logging.getLogger("meetbot").info("running (%s); stop with Ctrl+C or SIGTERM", runtime.mode)
        await runtime.stopping.wait()
        await runtime.stop()

    asyncio.run(main())
    return 0


def _print_files(settings: Settings) -> None:
    """Which files this process uses, resolved once at start-up: no guessing which folder it ran in."""
    from bot.config import env_file_path
    from bot.ops.status import database_shown

    # On stdout: stderr is kept for the one line that says why a start failed.
    env_file = env_file_path()
    print(f"database: {database_shown(settings.database_url)}", flush=True)
    print(f"settings file: {env_file} ({'read' if env_file.is_file() else 'none there; environment only'})", flush=True)
    if settings.models_dir:
        from pathlib import Path

        print(f"meeting models: {Path(settings.models_dir).resolve()}", flush=True)


def cmd_worker(settings: Settings, args) -> int:
    """Dispatcher, sender and scheduler without an intake of its own: it
    handles what a poller or the webhook processes store in the same database."""
    return cmd_run(settings, args, mode="worker")


async def _quietly(awaitable) -> None:
    """Clean up after a failed start; a second failure would only hide the first."""
    try:
        await awaitable
    except Exception:
        pass


def cmd_coordinator_invite(settings: Settings, args) -> int:
    from bot.coordinators import create_coordinator_invite
    from bot.ops.status import missing_sqlite_file

    # A link made in a second, new database (run from another folder) would never be recognised.
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        raise StartupError(EXIT_DATABASE, f"no database at {missing} (MEETBOT_DATABASE_URL): run this where "
                                          "`meetbot run` runs, or set MEETBOT_DATABASE_URL to its database; "
                                          "the link would not be recognised")
    link = asyncio.run(create_coordinator_invite(settings, username=args.username,
                                                 ttl=timedelta(hours=args.hours or settings.coordinator_invite_ttl_hours)))
    print(link)
    return 0


def cmd_demo(settings: Settings, args) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(keep_database=args.database))


def cmd_purge(settings: Settings, _args) -> int:
    from bot.purge import purge

    _migrate(settings)
    report = asyncio.run(purge(settings))
    print(report)
    return 0


def cmd_erase_case(settings: Settings, args) -> int:
    """Erase one case at once. A pseudonym may name several cases, so it only
    lists them: the id decides. Asks for the id again unless --yes."""
    from bot.db.engine import make_engine, make_sessionmaker
    from bot.purge import erase_case, find_cases

    _migrate(settings)

    async def look_up():
        engine = make_engine(settings.database_url)
        try:
            return await find_cases(make_sessionmaker(engine), args.case)
        finally:
            await engine.dispose()

    found = asyncio.run(look_up())
    if not found:
        print(f"No case has the id or pseudonym {args.case!r}.", file=sys.stderr)
        return EXIT_FAILED
    if not args.case.isdigit():
        print(f"Cases called {args.case!r} (pseudonyms can repeat):")
        for case in found:
            print(f"  {case.describe()}")
        print("Run again with the id of the one to erase: meetbot erase-case ID", file=sys.stderr)
        return EXIT_FAILED
    (case,) = found
    print(f"This erases {case.describe()}: its meetings, answers, tasks, invitations, feedback and audit trail, "
          f"and the {case.leaving} people in no other case. It cannot be undone. Nobody is told.")
    if case.status == "open":
        print("The case is still open.")
    if not args.yes:
        try:
            answer = input(f"Type the case id ({case.id}) to erase it: ").strip()
        except EOFError:
            answer = ""
        if answer != str(case.id):
            print("Not erased.", file=sys.stderr)
            return EXIT_FAILED

    async def erase() -> int:
        engine = make_engine(settings.database_url)
        try:
            return await erase_case(make_sessionmaker(engine), case.id)
        finally:
            await engine.dispose()

    people = asyncio.run(erase())
    if people < 0:  # erased by someone else meanwhile
        print(f"Case {case.id} no longer exists.", file=sys.stderr)
        return EXIT_FAILED
    print(f"Erased case {case.id} and {people} people who took part in no other case.")
    return 0


def cmd_status(settings: Settings, _args) -> int:
    """Prints the bot's health; exit 0 healthy, 1 unhealthy, 5 the database cannot be opened."""
    from bot.db.engine import make_engine, make_sessionmaker
    from bot.ops.status import database_shown, missing_sqlite_file, status_report

    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        raise StartupError(EXIT_DATABASE, f"no database at {missing} (MEETBOT_DATABASE_URL; "
                                          "`meetbot run` or `meetbot migrate` makes it)")

    async def report():
        engine = make_engine(settings.database_url)
        try:
            return await status_report(settings, make_sessionmaker(engine))
        finally:
            await engine.dispose()

    try:
        found = asyncio.run(report())
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, (SQLAlchemyError, OSError)) or type(exc).__module__.startswith(("asyncpg", "sqlite3")):
            raise _database_error(settings, exc) from exc
        raise
    print(found.render())
    return 0 if found.healthy else EXIT_FAILED


def cmd_audit(settings: Settings, args) -> int:
    """Who did what to a case (or to every case), oldest first: names, never answers."""
    from datetime import datetime, timezone

    from bot.audit_trail import parse_since, trail
    from bot.db.engine import make_engine, make_sessionmaker

    _migrate_existing(settings)
    try:
        since = parse_since(args.since, datetime.now(timezone.utc)) if args.since else None
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED

    async def read():
        engine = make_engine(settings.database_url)
        try:
            return await trail(make_sessionmaker(engine), case=args.case, since=since)
        finally:
            await engine.dispose()

    lines = asyncio.run(read())
    if not lines:
        print(f"No case has the id or pseudonym {args.case!r}, or nothing happened to it in that time."
              if args.case else "The audit trail is empty for that time.", file=sys.stderr)
        return EXIT_FAILED
    for line in lines:
        print(line.render())
    return 0


def _with_database(settings: Settings, work):
    """Run `work(sessionmaker)` against the existing (migrated) database."""
    from bot.db.engine import make_engine, make_sessionmaker

    _migrate_existing(settings)

    async def run():
        engine = make_engine(settings.database_url)
        try:
            return await work(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _sealer(settings: Settings):
    from bot.storage.sealing import Sealer

    return Sealer.from_setting(settings.encryption_key.get_secret_value() if settings.encryption_key else None)


def _print_orphans(orphans, heading: str) -> None:
    if orphans:
        print(heading)
        for orphan in orphans:
            print(f"  {orphan.render()}")
        print("Hand each over with: meetbot handover --case ID --to WHO")


def cmd_coordinators(settings: Settings, _args) -> int:
    """Everyone who is or was a coordinator, and the open cases nobody coordinates any more."""
    from bot.coordinators import list_coordinators, orphaned_cases

    async def read(sessionmaker):
        return await list_coordinators(sessionmaker), await orphaned_cases(sessionmaker)

    people, orphans = _with_database(settings, read)
    if not people:
        print("There are no coordinators yet: make one with `meetbot coordinator-invite`.")
    else:
        print("   id  name  since  active or removed  cases")
        for person in people:
            print(person.render())
    _print_orphans(orphans, "Open cases without a coordinator:")
    return 0


def cmd_coordinator_remove(settings: Settings, args) -> int:
    """Takes away someone's coordinator rights; they are told in their language, their cases stay."""
    from bot.coordinators import NotFound, remove_coordinator

    _refuse_without_key(settings)  # the message to them goes through the outbox, sealed like every other
    try:
        name, chat_id, orphans = _with_database(settings, lambda sm: remove_coordinator(
            sm, args.who, sealer=_sealer(settings), default_locale=settings.default_locale))
    except NotFound as exc:
        print(f"Not removed: {exc}.", file=sys.stderr)
        return EXIT_FAILED
    print(f"{name} is no longer a coordinator; they are told the next time the bot sends messages. "
          "Their cases are kept.")
    _take_back_menu(settings, chat_id)
    _print_orphans(orphans, "These open cases have no coordinator now:")
    return 0


def _take_back_menu(settings: Settings, chat_id: int) -> None:
    """Their chat shows everyone's menu again; if Telegram cannot be reached, the bot does it at its next start."""
    if settings.token is None:
        return
    from telegram import Bot

    from bot.commands import unregister_coordinator

    async def take_back():
        async with Bot(settings.token.get_secret_value(), base_url=settings.api_base_url) as bot:
            await unregister_coordinator(bot, chat_id)

    try:
        asyncio.run(take_back())
    except Exception:  # a menu is a convenience: the rights are gone either way
        logging.getLogger("meetbot").info("the coordinator menu is taken back at the bot's next start")


def cmd_handover(settings: Settings, args) -> int:
    """Hands a case to a coordinator (from its lead, or an orphaned case), or adds one with --add."""
    from bot.coordinators import NotFound, operator_handover

    _refuse_without_key(settings)
    try:
        done = _with_database(settings, lambda sm: operator_handover(
            sm, args.case, args.to, add=args.add, sealer=_sealer(settings), default_locale=settings.default_locale))
    except NotFound as exc:
        print(f"Not handed over: {exc}.", file=sys.stderr)
        return EXIT_FAILED
    print(f"Done: {done}. Everyone concerned is told; the trail records it.")
    return 0


def _migrate_existing(settings: Settings) -> None:
    """Migrate a database that exists; refuse (naming the path) to make a new SQLite file."""
    from bot.ops.status import missing_sqlite_file

    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        raise StartupError(EXIT_DATABASE, f"no database at {missing} (MEETBOT_DATABASE_URL): run this where "
                                          "`meetbot run` runs, or set MEETBOT_DATABASE_URL to its database")
    _migrate(settings)


def cmd_models(settings: Settings, args) -> int:
    from flows.meeting_models import ModelError, load_models

    dirs = [d for d in (settings.models_dir, *args.dirs) if d]
    try:
        models = load_models(*dirs)
    except ModelError as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for model in models.values():
        types = ", ".join(t.id for t in model.meeting_types)
        print(f"{model.id}: {model.name} ({len(model.meeting_types)} meeting type(s): {types})")
    return 0


COMMANDS = {
    "run": cmd_run, "worker": cmd_worker, "status": cmd_status, "audit": cmd_audit, "migrate": cmd_migrate, "coordinator-invite": cmd_coordinator_invite,
    "demo": cmd_demo, "purge": cmd_purge, "erase-case": cmd_erase_case, "models": cmd_models,
    "coordinators": cmd_coordinators, "coordinator-remove": cmd_coordinator_remove, "handover": cmd_handover,
}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meetbot", description="A Telegram companion for family-network meetings.",
                                     epilog="Exit codes: 1 refused or failed, 2 a setting, 3 Telegram refused the token, "
                                            "4 the Bot API cannot be reached, 5 the database.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling, or a webhook); migrates the database first")
    intake = run.add_mutually_exclusive_group()
    intake.add_argument("--webhook", metavar="URL",
                        help="take updates by webhook at this https address (else MEETBOT_WEBHOOK_URL; else polling)")
    intake.add_argument("--polling", action="store_true", help="poll even if MEETBOT_WEBHOOK_URL is set (deletes the webhook)")
    sub.add_parser("worker", help="handle, send and remind without taking updates in (beside a poller or webhook processes)")
    sub.add_parser("migrate", help="bring the database to the newest schema")
    sub.add_parser("status", help="is the bot healthy: database, last contact with Telegram, queues (exit 1 if not)")
    invite = sub.add_parser("coordinator-invite", help="print a one-time link that makes its opener a coordinator")
    invite.add_argument("--username", help="the bot's username (asked from Telegram if not given)")
    invite.add_argument("--hours", type=int, help="how long the link works")
    demo = sub.add_parser("demo", help="play a whole journey offline against the built-in Bot API emulator")
    demo.add_argument("--database", help="keep the demo's database in this SQLite file (its key beside it, FILE.key)")
    sub.add_parser("purge", help="erase what the retention period says must go (`run` does this once a day)")
    erase = sub.add_parser("erase-case", help="erase one case now, with everything about it")
    erase.add_argument("case", help="the case id (a pseudonym lists the cases called so)")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    audit = sub.add_parser("audit", help="who did what to a case, oldest first (names, never answers)")
    audit.add_argument("--case", help="a case id, or a pseudonym (every case called so)")
    audit.add_argument("--since", help="from a date (2026-11-01), a date and time, or a span back (7d, 12h)")
    sub.add_parser("coordinators", help="list coordinators (since, active or removed, cases) and cases without one")
    remove = sub.add_parser("coordinator-remove", help="take away a coordinator's rights (they are told; their cases stay)")
    remove.add_argument("who", help="the coordinator's id or name, as `meetbot coordinators` lists them")
    handover = sub.add_parser("handover", help="hand a case over to another coordinator (or add one with --add)")
    handover.add_argument("--case", required=True, help="the case id (or its pseudonym, if only one case has it)")
    handover.add_argument("--to", required=True, help="the coordinator's id or name")
    handover.add_argument("--add", action="store_true", help="add them beside the case's coordinators instead")
    models = sub.add_parser("models", help="check and list the meeting models")
    models.add_argument("dirs", nargs="*", help="extra folders of model files to check")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    secrets: list[str] = []
    try:
        try:
            settings = get_settings()
        except ValidationError as exc:
            raise StartupError(EXIT_CONFIG, describe_error(exc)) from None
        secrets = secrets_of(settings)
        configure_logging(settings)
        return COMMANDS[args.command](settings, args)
    except StartupError as exc:
        print(f"meetbot: {redact(exc.message, secrets)}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # still one line: the traceback is in the log at DEBUG
        logging.getLogger("meetbot").debug("the command failed", exc_info=True)
        reason = redact(str(exc).splitlines()[0] if str(exc) else "", secrets)
        print(f"meetbot: stopped by an unexpected error: {type(exc).__name__}: {reason} "
              "(MEETBOT_LOG_LEVEL=DEBUG shows where)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

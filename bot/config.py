"""Settings, read once from `MEETBOT_*` environment variables (and an optional `.env`)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.timing import Timing, parse_durations, parse_quiet_hours

SUPPORTED_LOCALES = ("sv", "da", "fi", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEETBOT_", env_file=".env", extra="ignore")

    token: SecretStr | None = Field(default=None, description="Bot token from @BotFather")
    database_url: str = Field(default="sqlite+aiosqlite:///meetbot.sqlite3")
    api_base_url: str = Field(default="https://api.telegram.org/bot")
    api_file_url: str = Field(default="https://api.telegram.org/file/bot")
    default_locale: str = Field(default="sv")
    default_timezone: str = Field(default="Europe/Stockholm")
    retention_days: int = Field(default=365, ge=1)
    invite_ttl_days: int = Field(default=14, ge=1, le=365)
    coordinator_invite_ttl_hours: int = Field(default=72, ge=1)
    models_dir: str | None = Field(default=None, description="Extra meeting model files")
    poll_timeout: int = Field(default=25, ge=0, le=50)
    # Telegram's limits: ~30 messages a second in all, ~1 a second per chat.
    # 30, Telegram's documented figure: the limiter never lets more than that into one second
    # (bot/delivery/limits.py), and with twice the chats in flight the pace needs it is kept full.
    send_rate_global: float = Field(default=30.0, gt=0)
    send_rate_per_chat: float = Field(default=1.0, gt=0)
    log_level: str = Field(default="INFO")
    # Fernet keys (comma-separated, newest first); free-text answers are encrypted with the first.
    encryption_key: SecretStr | None = Field(default=None)
    # `meetbot run` refuses to start without a key unless the operator says, in so many words, to store answers unencrypted.
    store_unencrypted: bool = Field(default=False)
    # Preparation reminders: how long before the meeting (72h, 24h, 90m, 45s).
    prep_reminder_leads: str = Field(default="72h,24h")
    task_reminder_leads: str = Field(default="2d", description="when task owners are reminded before the due day (and on it)")
    meeting_reminder_leads: str = Field(default="1d,2h", description="when those invited are reminded before an announced meeting")
    feedback_low: int = Field(default=4, ge=0, le=10, description="a feedback answer at or below this alerts the coordinator")
    feedback_drop: int = Field(default=3, ge=1, le=10, description="so does one this much lower than the same person's last time")
    quiet_hours: str = Field(default="21-8", description="no reminders between these local hours; empty for none")
    scheduler_interval: float = Field(default=60.0, gt=0, description=(
        "the longest the reminder worker sleeps: it sleeps until the next job is due and is woken when this "
        "process plans one sooner; a job planned by another process is found within this"))
    # Webhook mode (bot/ops/webhook.py): the public https address Telegram posts to, the local
    # host:port the reverse proxy forwards it to, and the secret Telegram sends along (when
    # unset, a random one is made once and kept in the database, shared by every process).
    webhook_url: str | None = Field(default=None, description="run in webhook mode at this https address")
    webhook_listen: str = Field(default="127.0.0.1:8443", description="local host:port of the webhook server")
    webhook_secret: SecretStr | None = Field(default=None)
    # `/healthz` and Prometheus `/metrics` on this local host:port (bot/ops/metrics.py); unset, none.
    metrics_listen: str | None = Field(default=None, description="local host:port for /healthz and /metrics")

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// address (Telegram posts only to https)")
        return value

    @field_validator("webhook_listen", "metrics_listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        from bot.ops.listen import parse_listen

        if value is not None and not value.strip():
            return None
        if value is not None:
            parse_listen(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        if value is not None:
            from bot.ops.webhook import valid_secret

            if not valid_secret(value.get_secret_value()):
                raise ValueError("must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("database_url")
    @classmethod
    def _absolute_sqlite_path(cls, value: str) -> str:
        """A relative SQLite path is resolved once, against the folder meetbot
        started in, so every part of the program opens the same file."""
        return absolute_sqlite_url(value)

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value


    @field_validator("prep_reminder_leads", "task_reminder_leads", "meeting_reminder_leads")
    @classmethod
    def _durations(cls, value: str) -> str:
        parse_durations(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("encryption_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None  # MEETBOT_ENCRYPTION_KEY= (empty) is no key
        if value is not None:
            from bot.storage.sealing import Sealer

            Sealer.from_setting(value.get_secret_value())  # refuses a malformed key at start-up
        return value

    def timing(self) -> Timing:
        return Timing(parse_durations(self.prep_reminder_leads), parse_quiet_hours(self.quiet_hours),
                      parse_durations(self.task_reminder_leads), parse_durations(self.meeting_reminder_leads))


def absolute_sqlite_url(value: str) -> str:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    try:
        url = make_url(value)
    except Exception:
        return value  # refused where it is used, with the reason
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:") or Path(url.database).is_absolute():
        return value
    return url.set(database=str(Path(url.database).resolve())).render_as_string(hide_password=False)


def env_file_path():
    """The .env file read at start-up: `.env` in the folder meetbot started in."""
    from pathlib import Path

    return Path(".env").resolve()


MAKE_KEY = 'python3 -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


def secrets_of(settings: Settings) -> list[str]:
    """What must never be printed or logged: the token and the encryption keys."""
    values = [settings.token.get_secret_value()] if settings.token else []
    if settings.webhook_secret:
        values.append(settings.webhook_secret.get_secret_value())
    if settings.encryption_key:
        values += [k.strip() for k in settings.encryption_key.get_secret_value().split(",") if k.strip()]
    return [v for v in values if v]


def describe_error(exc: ValidationError) -> str:
    """One line for refused settings: which variables and why, never their
    values (one may be the token or a key)."""
    parts = []
    for error in exc.errors():
        variable = f"MEETBOT_{str(error['loc'][0]).upper()}" if error.get("loc") else "a setting"
        reason = str(error.get("msg", "is not valid")).removeprefix("Value error, ").removeprefix(variable).strip()
        parts.append(f"{variable}: {reason}")
    return "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

"""Settings, read once from `MEETBOT_*` environment variables (and an optional `.env`)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    send_rate_global: float = Field(default=28.0, gt=0)  # a little under 30: meeting a 429 costs more
    send_rate_per_chat: float = Field(default=1.0, gt=0)
    log_level: str = Field(default="INFO")

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

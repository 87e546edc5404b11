"""Encrypting what people write, at rest, when `MEETBOT_ENCRYPTION_KEY` is set.

Sealed values carry a prefix, so a database that ran without a key keeps
working after one is added (old rows are read as they are and sealed when
next written), and several keys can be given to rotate: the first seals,
all of them open."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"


class SealingError(RuntimeError):
    pass


class Sealer:
    def __init__(self, keys: list[str] | None = None):
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys]) if keys else None

    @classmethod
    def from_setting(cls, value: str | None) -> Sealer:
        keys = [k.strip() for k in (value or "").split(",") if k.strip()]
        try:
            return cls(keys)
        except (ValueError, TypeError) as exc:
            raise ValueError("MEETBOT_ENCRYPTION_KEY must be Fernet keys (Fernet.generate_key()), comma-separated") from exc

    @property
    def active(self) -> bool:
        return self._fernet is not None

    def seal(self, plain: str | None) -> str | None:
        if plain is None or self._fernet is None:
            return plain
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def open(self, stored: str | None) -> str | None:
        if stored is None or not stored.startswith(PREFIX):
            return stored
        if self._fernet is None:
            raise SealingError("an answer is encrypted, but MEETBOT_ENCRYPTION_KEY is not set")
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken as exc:
            raise SealingError("an answer is encrypted with a key that is not in MEETBOT_ENCRYPTION_KEY") from exc

    def seal_bytes(self, plain: bytes | None) -> bytes | None:
        """Files (a calendar entry, a network map) are sealed like texts."""
        if plain is None or self._fernet is None:
            return plain
        return PREFIX.encode() + self._fernet.encrypt(plain)

    def open_bytes(self, stored: bytes | None) -> bytes | None:
        if stored is None or not stored.startswith(PREFIX.encode()):
            return stored
        if self._fernet is None:
            raise SealingError("a file is encrypted, but MEETBOT_ENCRYPTION_KEY is not set")
        try:
            return self._fernet.decrypt(stored[len(PREFIX):])
        except InvalidToken as exc:
            raise SealingError("a file is encrypted with a key that is not in MEETBOT_ENCRYPTION_KEY") from exc

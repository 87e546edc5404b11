"""Invite tokens: at least 128 random bits, URL-safe for a /start payload, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 18  # 144 bits, 24 characters: well inside Telegram's 64-character payload


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

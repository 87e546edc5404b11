"""Encrypting answers at rest."""

import pytest
from cryptography.fernet import Fernet

from bot.storage.sealing import Sealer, SealingError


def test_sealed_text_opens_with_the_key_and_rotation_keeps_old_answers_readable():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = Sealer([old]).seal("Mamma är ledsen <ofta> & 😢")
    assert sealed.startswith("fernet:") and "ledsen" not in sealed
    rotated = Sealer.from_setting(f"{new}, {old}")
    assert rotated.open(sealed) == "Mamma är ledsen <ofta> & 😢"
    assert rotated.seal("x") != Sealer([old]).seal("x")


def test_without_a_key_text_is_kept_as_it_is_and_sealed_text_is_refused_clearly():
    plain = Sealer()
    assert plain.seal("hello") == "hello" and plain.open("hello") == "hello"
    sealed = Sealer([Fernet.generate_key().decode()]).seal("hello")
    with pytest.raises(SealingError, match="MEETBOT_ENCRYPTION_KEY is not set"):
        plain.open(sealed)
    with pytest.raises(SealingError, match="not in MEETBOT_ENCRYPTION_KEY"):
        Sealer([Fernet.generate_key().decode()]).open(sealed)


def test_a_malformed_key_is_refused():
    with pytest.raises(ValueError, match="Fernet keys"):
        Sealer.from_setting("not-a-key")

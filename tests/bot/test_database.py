"""How the bot opens its database: erased rows are overwritten on SQLite, and
no statement or error text carries what people wrote."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db.engine import make_engine
from bot.db.models import Person


async def test_sqlite_overwrites_what_it_deletes(tmp_path):
    # Many SQLite builds default to it (Debian's does); others, like python.org's, do not.
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1
    await engine.dispose()


async def test_database_errors_do_not_carry_the_values(database_url):
    engine = make_engine(database_url)
    assert engine.echo is False
    with pytest.raises(IntegrityError) as caught:
        async with engine.begin() as conn:
            for _ in range(2):
                await conn.execute(Person.__table__.insert().values(
                    telegram_user_id=5, chat_id=5, name="Secretname Answerson", is_coordinator=False,
                    created_at=text("CURRENT_TIMESTAMP")))
    assert "Secretname" not in str(caught.value)
    await engine.dispose()

"""Ids are never reused: SQLite tables get AUTOINCREMENT (PostgreSQL's
sequences never go back already), and one retention job in all.

Ids of people erased before this still stood in stored JSON (a meeting's
progress, a chat's unfinished choice); they are taken out, so a newcomer
given such an id (SQLite only knows the highest id still there) inherits
nothing.

SQLite cannot add AUTOINCREMENT to a table, so each table with an id is
rebuilt with its rows (batch mode: a new table, the rows copied, the old
one dropped, the new one renamed). env.py turns foreign keys off on SQLite
while migrating, so dropping the old tables cascades nothing, and checks
them afterwards.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Every table whose primary key is an integer id the database gives out.
TABLES = (
    'people', 'cases', 'meetings', 'participants', 'preparations', 'answers', 'tasks', 'task_owners',
    'invitations', 'feedback', 'broadcasts', 'jobs', 'invites', 'outbox', 'poll_state', 'audit_log',
)
ONE_PURGE = "kind = 'purge'"
# As flows.forgetting has them at this revision.
PROGRESS_PEOPLE = ("present", "read", "next_people")
CONVERSATION_PEOPLE = ("owners", "chosen", "invited")


def _drop_unknown_people() -> None:
    bind = op.get_bind()
    people = {row[0] for row in bind.execute(sa.text("SELECT id FROM people"))}
    for table, key, column, lists in (("meetings", "id", "progress", PROGRESS_PEOPLE),
                                      ("conversations", "chat_id", "data", CONVERSATION_PEOPLE)):
        rows = bind.execute(sa.select(sa.column(key), sa.column(column, sa.JSON)).select_from(sa.table(table))
                            .where(sa.column(column).is_not(None))).all()
        for row_key, data in rows:
            if not isinstance(data, dict):
                continue
            cleaned = {k: [pid for pid in data[k] if pid in people]
                       for k in lists if isinstance(data.get(k), list) and any(pid not in people for pid in data[k])}
            if cleaned:
                bind.execute(sa.text(f"UPDATE {table} SET {column} = :data WHERE {key} = :key")
                             .bindparams(sa.bindparam("data", type_=sa.JSON)), {"data": {**data, **cleaned}, "key": row_key})


def _rebuild(autoincrement: bool) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade() -> None:
    _drop_unknown_people()
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild(True)
    # Two processes starting at once may both plan the daily retention job: only one row can exist.
    op.execute(sa.text("DELETE FROM jobs WHERE kind = 'purge'"))
    op.create_index('ux_jobs_one_purge', 'jobs', ['kind'], unique=True,
                    sqlite_where=sa.text(ONE_PURGE), postgresql_where=sa.text(ONE_PURGE))


def downgrade() -> None:
    op.drop_index('ux_jobs_one_purge', table_name='jobs')
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild(False)

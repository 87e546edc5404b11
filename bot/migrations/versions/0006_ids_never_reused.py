"""Ids are never reused: SQLite tables get AUTOINCREMENT (PostgreSQL's
sequences never go back already), and one retention job in all.

SQLite cannot add AUTOINCREMENT to a table, so each table with an id is
rebuilt with its rows (batch mode: a new table, the rows copied, the old
one dropped, the new one renamed). env.py turns foreign keys off on SQLite
while migrating, so dropping the old tables cascades nothing, and checks
them afterwards.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Every table whose primary key is an integer id the database gives out.
TABLES = (
    'people', 'cases', 'meetings', 'participants', 'preparations', 'answers', 'tasks', 'task_owners',
    'invitations', 'feedback', 'broadcasts', 'jobs', 'invites', 'outbox', 'poll_state', 'audit_log',
)
ONE_PURGE = "kind = 'purge'"


def _rebuild(autoincrement: bool) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade() -> None:
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

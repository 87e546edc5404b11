"""Indexes on the foreign keys that had none, so the cost of a lookup or a
deletion does not grow with the database:

- jobs.task_id: a task done, changed or cancelled deletes its pending
  reminders (bot/storage/changes.py); without an index that was a walk
  through every pending job (100,000 future reminders: all of them).
  jobs.person_id and jobs.broadcast_id likewise for the cascades when a
  person is erased or a broadcast goes with its case.
- cases.coordinator_id: a coordinator's cases are loaded on each of their
  updates (bot/storage/context.py), and erasing a person sets it to NULL.
- audit_log.actor_id and invites.created_by: erasing a person sets them to
  NULL; without an index each erasure read the whole audit trail.

A foreign key whose parent row is deleted makes the database look for the
children (ON DELETE CASCADE / SET NULL); SQLite and PostgreSQL index only the
parent's side, so without these every such deletion read the whole child table.

Revision ID: 0017
Revises: 0013
Create Date: 2026-11-30 15:00:00.000000
"""
from alembic import op

revision = '0017'
down_revision = '0013'
branch_labels = None
depends_on = None

INDEXES = (
    ('jobs', 'task_id'),
    ('jobs', 'person_id'),
    ('jobs', 'broadcast_id'),
    ('cases', 'coordinator_id'),
    ('audit_log', 'actor_id'),
    ('invites', 'created_by'),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f'ix_{table}_{column}'), table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)

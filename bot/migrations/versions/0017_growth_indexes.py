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

- outbox (chat_id, status, not_before): a claim asks, for every message it
  might take, whether an earlier message of that chat waits after a failure
  (not_before in the future). ix_outbox_chat answered that by walking the
  chat's whole queue, so each claim cost grew with the queue: 30 ms for the
  chat query and 50 ms for the candidates with 5,000 bulk messages waiting
  for 200 chats, on every wake of the sender; with this index 8 ms each.

A foreign key whose parent row is deleted makes the database look for the
children (ON DELETE CASCADE / SET NULL); SQLite and PostgreSQL index only the
parent's side, so without these every such deletion read the whole child table.

Revision ID: 0017
Revises: 0013
Create Date: 2026-11-30 15:00:00.000000
"""
from alembic import op

revision = '0017'
down_revision = '0016'
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
    op.create_index('ix_outbox_chat_waiting', 'outbox', ['chat_id', 'status', 'not_before'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_chat_waiting', table_name='outbox')
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)

"""Each owner of a shared task says for themselves when their part is done;
a preparation remembers the column of a three-column question to resume at.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_owners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_at', bot.db.models.UtcDateTime(timezone=True), nullable=True))
    # A task already done before owners answered one by one was done by all of them.
    op.execute("UPDATE task_owners SET done_at = (SELECT tasks.done_at FROM tasks WHERE tasks.id = task_owners.task_id) "
               "WHERE task_id IN (SELECT id FROM tasks WHERE status = 'done')")

    with op.batch_alter_table('preparations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('preparations', schema=None) as batch_op:
        batch_op.drop_column('part')

    with op.batch_alter_table('task_owners', schema=None) as batch_op:
        batch_op.drop_column('done_at')

"""Tasks: a reference for their buttons, when they were done, and their reminders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:50:23.111404
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_jobs_task_id', 'tasks', ['task_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('done_at', bot.db.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_tasks_ref', ['ref'])



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint('uq_tasks_ref', type_='unique')
        batch_op.drop_column('done_at')
        batch_op.drop_column('ref')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint('fk_jobs_task_id', type_='foreignkey')
        batch_op.drop_column('task_id')


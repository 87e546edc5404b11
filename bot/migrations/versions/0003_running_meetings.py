"""Running a meeting: its progress and times, and which step a timer belongs to.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 07:39:10.955519
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=True))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('started_at', bot.db.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_at', bot.db.models.UtcDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
        batch_op.drop_column('started_at')
        batch_op.drop_column('progress')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('step')


"""People without Telegram: who they are in a case, the actions they answer
for, and their answer to the plan as the coordinator records it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offline_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('organisation', sa.String(length=120), nullable=True),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,  # ids are never reused (0008)
    )
    with op.batch_alter_table('offline_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_members_case_id'), ['case_id'], unique=False)

    op.create_table('offline_task_owners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('done_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['offline_members.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'member_id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('offline_task_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_task_owners_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_task_owners_task_id'), ['task_id'], unique=False)

    op.create_table('offline_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('signed_on', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['offline_members.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_version_id', 'member_id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('offline_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_agreements_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_agreements_plan_version_id'), ['plan_version_id'], unique=False)


def downgrade() -> None:
    op.drop_table('offline_agreements')
    op.drop_table('offline_task_owners')
    op.drop_table('offline_members')

"""The plan: its versions, the views in people's own words, agreement, and
the organisation a professional acts for.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:00:00
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=24), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'number'),
    sa.UniqueConstraint('ref'),
    sqlite_autoincrement=True,  # ids are never reused (0008)
    )
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_versions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_versions_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('plan_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('plan_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_views_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_views_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_views_person_id'), ['person_id'], unique=False)

    op.create_table('plan_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_version_id', 'person_id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('plan_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_agreements_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_agreements_plan_version_id'), ['plan_version_id'], unique=False)

    op.create_table('plan_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisations', sa.JSON(), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('plan_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_consents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_consents_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('organisation')
    op.drop_table('plan_consents')
    op.drop_table('plan_agreements')
    op.drop_table('plan_views')
    op.drop_table('plan_versions')

"""Announced meetings (a reference and a calendar revision), invitations and
their answers, feedback, and broadcasts with their delivery report.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:55:34.413316
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=24), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reported_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ref')
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcasts_case_id'), ['case_id'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('updated_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'person_id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_person_id'), ['person_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('responded_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'person_id')
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broadcast_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_jobs_broadcast_id', 'broadcasts', ['broadcast_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('announced_at', bot.db.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_meetings_ref', ['ref'])

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broadcast_ref', sa.String(length=24), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_broadcast_ref'), ['broadcast_ref'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_broadcast_ref'))
        batch_op.drop_column('broadcast_ref')

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_meetings_ref', type_='unique')
        batch_op.drop_column('announced_at')
        batch_op.drop_column('calendar_sequence')
        batch_op.drop_column('ref')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint('fk_jobs_broadcast_id', type_='foreignkey')
        batch_op.drop_column('broadcast_id')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_person_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_meeting_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_person_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_meeting_id'))

    op.drop_table('feedback')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcasts_case_id'))

    op.drop_table('broadcasts')

"""Points for a meeting's agenda that the coordinator accepted or left out
(proposed by the family in their preparation), and the day a decision is
coming in a case (the talk with the child comes before it).

Revision ID: 0016
Revises: 0013
Create Date: 2026-11-30 15:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agenda_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('decided_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'person_id', 'question_id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('agenda_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_points_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_points_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('decision_on')
    with op.batch_alter_table('agenda_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_points_person_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_points_meeting_id'))
    op.drop_table('agenda_points')

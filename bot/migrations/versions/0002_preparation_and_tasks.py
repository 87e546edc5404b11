"""Preparation (answers, progress, timed jobs) and the tasks agreed at meetings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:00:46.150622
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('updated_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'person_id', 'question_id')
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answers_person_id'), ['person_id'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('due_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('done_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['done_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('preparations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('invited_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('started_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'person_id')
    )
    with op.batch_alter_table('preparations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preparations_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_preparations_person_id'), ['person_id'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('due_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('task_owners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('accepted_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'person_id')
    )
    with op.batch_alter_table('task_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_owners_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_owners_task_id'), ['task_id'], unique=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prep_opens_at', bot.db.models.UtcDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('prep_opens_at')

    with op.batch_alter_table('task_owners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_owners_task_id'))
        batch_op.drop_index(batch_op.f('ix_task_owners_person_id'))

    op.drop_table('task_owners')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_case_id'))

    op.drop_table('tasks')
    with op.batch_alter_table('preparations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preparations_person_id'))
        batch_op.drop_index(batch_op.f('ix_preparations_meeting_id'))

    op.drop_table('preparations')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_meeting_id'))
        batch_op.drop_index('ix_jobs_due')

    op.drop_table('jobs')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_person_id'))
        batch_op.drop_index(batch_op.f('ix_answers_meeting_id'))

    op.drop_table('answers')

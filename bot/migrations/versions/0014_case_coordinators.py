"""A case can have more than one coordinator, and outlive one: `case_coordinators`
holds everyone with coordinator rights to a case; each existing case's
coordinator is moved in. (When someone's rights were removed is in the
audit trail, `coordinator_removed`.)

`cases.coordinator_id` stays: it is the lead coordinator, the one the family
knows as theirs and who is told what happens in the case.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 15:00:00
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_coordinators',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('added_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'person_id'),
        sqlite_autoincrement=True,  # ids are never reused (0008)
    )
    with op.batch_alter_table('case_coordinators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_coordinators_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_coordinators_person_id'), ['person_id'], unique=False)
    op.execute("INSERT INTO case_coordinators (case_id, person_id, added_at) "
               "SELECT id, coordinator_id, created_at FROM cases WHERE coordinator_id IS NOT NULL")


def downgrade() -> None:
    op.drop_table('case_coordinators')

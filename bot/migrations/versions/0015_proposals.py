"""The family's proposals of whom to invite, and how far the coordinator has
come with each (flows.proposals): names sealed, gone with the case.

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-30 15:00:00
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=False),
    sa.Column('by_child', sa.Boolean(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('relation', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('family_told', sa.Boolean(), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invite_id'], ['invites.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,  # ids are never reused (0008)
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_invite_id'), ['invite_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_proposed_by'), ['proposed_by'], unique=False)


def downgrade() -> None:
    op.drop_table('proposals')

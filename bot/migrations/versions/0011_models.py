"""The dates a meeting series counts from: the day the child was placed and
the day they moved out, as the coordinator records them for the case.

Revision ID: 0011
Revises: 0010 (after the plan's; the integrator re-chains it if another comes between)
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('moved_out_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('moved_out_on')
        batch_op.drop_column('placed_on')

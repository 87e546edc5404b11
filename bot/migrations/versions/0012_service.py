"""The service side: shared values (the webhook's secret, the last update's
time) and the live processes sharing Telegram's rate.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'service_values',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Text(), nullable=True),
        sa.Column('updated_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'service_processes',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('host', sa.String(length=100), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('seen_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('service_processes')
    op.drop_table('service_values')

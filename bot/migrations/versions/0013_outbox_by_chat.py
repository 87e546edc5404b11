"""The outbox looked up by chat: each claim asks, per chat, whether an
earlier message waits and whether another sender holds the chat; without
this index that was a scan of the whole outbox per row (seconds with a
5,000-message broadcast waiting).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 13:10:00.000000
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outbox_chat', 'outbox', ['chat_id', 'status', 'priority', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_chat', table_name='outbox')

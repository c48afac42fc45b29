"""bridge: replies, edits, deletions

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_channel_id'))
        batch_op.create_index(batch_op.f('ix_outbox_channel_id_platform_message_id'), ['channel_id', 'platform_message_id'], unique=False)

    with op.batch_alter_table('relayed_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('copy', 'edit', 'deletion', name='relay', native_enum=False, length=16), server_default='copy', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('relayed_messages', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_channel_id_platform_message_id'))
        batch_op.create_index(batch_op.f('ix_outbox_channel_id'), ['channel_id'], unique=False)


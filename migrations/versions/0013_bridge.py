"""bridge

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('relayed_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_channel_id', sa.Integer(), nullable=False),
    sa.Column('source_message_id', sa.String(length=255), nullable=False),
    sa.Column('copy_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['copy_id'], ['outbox.id'], name=op.f('fk_relayed_messages_copy_id_outbox'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_channel_id'], ['channels.id'], name=op.f('fk_relayed_messages_source_channel_id_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relayed_messages')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('relayed_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relayed_messages_copy_id'), ['copy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relayed_messages_source_channel_id_source_message_id'), ['source_channel_id', 'source_message_id'], unique=False)

    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bridge_told_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bridged_since', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.drop_column('bridged_since')

    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('bridge_told_at')

    with op.batch_alter_table('relayed_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relayed_messages_source_channel_id_source_message_id'))
        batch_op.drop_index(batch_op.f('ix_relayed_messages_copy_id'))

    op.drop_table('relayed_messages')

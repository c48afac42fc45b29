"""outbox files; ids never reused in outbox and minutes on SQLite

Earlier migrations rebuilt outbox and minutes on SQLite without AUTOINCREMENT, so a
deleted last row's id could come again (the outbox id is the Matrix transaction id and
the email Message-ID). Rebuilding them here restores it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEVER_REUSE_IDS = {'sqlite_autoincrement': True}


def upgrade() -> None:
    op.create_table('outbox_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_files')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('outbox', schema=None, table_kwargs=NEVER_REUSE_IDS) as batch_op:
        batch_op.add_column(sa.Column('file_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_file_id'), ['file_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_file_id_outbox_files'), 'outbox_files', ['file_id'], ['id'], ondelete='SET NULL')

    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('minutes', recreate='always', table_kwargs=NEVER_REUSE_IDS):
            pass


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None, table_kwargs=NEVER_REUSE_IDS) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_file_id_outbox_files'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_file_id'))
        batch_op.drop_column('file_id')

    op.drop_table('outbox_files')

"""recurring tasks and awaited answers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('awaiting_since', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('repeat')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('awaiting_since')
        batch_op.drop_column('awaiting')


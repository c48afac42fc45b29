"""minutes decided by, version platform

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_minutes_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_minutes_decided_by_id_members'), 'members', ['decided_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('minutes_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('minutes_versions', schema=None) as batch_op:
        batch_op.drop_column('platform')

    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_minutes_decided_by_id_members'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_minutes_decided_by_id'))
        batch_op.drop_column('decided_by_id')


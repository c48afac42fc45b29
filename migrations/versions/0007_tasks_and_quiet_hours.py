"""tasks and quiet hours

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('creator_id', sa.Integer(), nullable=True),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('asked', 'accepted', 'done', 'declined', 'dropped', name='taskstatus', native_enum=False, length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_time', sa.Time(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('deputy_asked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_tasks_circle_id_circles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['creator_id'], ['members.id'], name=op.f('fk_tasks_creator_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deputy_id'], ['members.id'], name=op.f('fk_tasks_deputy_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['members.id'], name=op.f('fk_tasks_owner_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_circle_id_status'), ['circle_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_creator_id'), ['creator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_owner_id'), ['owner_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiet_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quiet_end', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('quiet_end')
        batch_op.drop_column('quiet_start')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_owner_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_deputy_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_creator_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_circle_id_status'))

    op.drop_table('tasks')

"""minutes versions answers decisions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'approved', 'rejected', name='minutesstatus', native_enum=False, length=16), nullable=False),
    sa.Column('rule', sa.Enum('all', 'majority', 'silence', 'meeting', name='approvalrule', native_enum=False, length=16), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_minutes_circle_id_circles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_minutes_meeting_id_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_circle_id_status'), ['circle_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_minutes_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('minutes_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('decisions', sa.JSON(), nullable=False),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['minutes_id'], ['minutes.id'], name=op.f('fk_minutes_versions_minutes_id_minutes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['members.id'], name=op.f('fk_minutes_versions_submitted_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_versions')),
    sa.UniqueConstraint('minutes_id', 'number', name=op.f('uq_minutes_versions_minutes_id_number')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('minutes_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_versions_submitted_by_id'), ['submitted_by_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_decisions_circle_id_circles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['minutes_versions.id'], name=op.f('fk_decisions_version_id_minutes_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_version_id'), ['version_id'], unique=False)

    op.create_table('minutes_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.String(length=2000), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_minutes_answers_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['minutes_versions.id'], name=op.f('fk_minutes_answers_version_id_minutes_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_answers')),
    sa.UniqueConstraint('version_id', 'member_id', name=op.f('uq_minutes_answers_version_id_member_id'))
    )
    with op.batch_alter_table('minutes_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_answers_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes_rule', sa.Enum('all', 'majority', 'silence', 'meeting', name='approvalrule', native_enum=False, length=16), server_default='all', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.drop_column('minutes_rule')

    with op.batch_alter_table('minutes_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_answers_member_id'))

    op.drop_table('minutes_answers')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_version_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_circle_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('minutes_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_versions_submitted_by_id'))

    op.drop_table('minutes_versions')
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_minutes_circle_id_status'))

    op.drop_table('minutes')

"""meetings, votes, agenda, places, rotation, reminder hours

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'poll', 'deciding', 'scheduled', 'cancelled', name='meetingstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('chosen_slot_id', sa.Integer(), nullable=True),
    sa.Column('uid', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('tally_edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('minute_taker_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_meetings_circle_id_circles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_meetings_created_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['minute_taker_id'], ['members.id'], name=op.f('fk_meetings_minute_taker_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moderator_id'], ['members.id'], name=op.f('fk_meetings_moderator_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_minute_taker_id'), ['minute_taker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_moderator_id'), ['moderator_id'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_agenda_items_circle_id_circles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_agenda_items_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_agenda_items_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_items_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_member_id'), ['member_id'], unique=False)

    op.create_table('meeting_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_meeting_posts_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_posts_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_posts'))
    )
    with op.batch_alter_table('meeting_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_posts_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('yes', sa.Integer(), nullable=False),
    sa.Column('maybe', sa.Integer(), nullable=False),
    sa.Column('no', sa.Integer(), nullable=False),
    sa.Column('volunteers', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_slots_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_slots')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('meeting_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_slots_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Enum('yes', 'maybe', 'no', name='answer', native_enum=False, length=16), nullable=False),
    sa.Column('volunteer', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_votes_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['slot_id'], ['meeting_slots.id'], name=op.f('fk_votes_slot_id_meeting_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('slot_id', 'member_id', name=op.f('uq_votes_slot_id_member_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('circle_memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rotation', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place_address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('place_link', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('place_access', sa.String(length=100), server_default='', nullable=False))

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reminder_end', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('reminder_end')
        batch_op.drop_column('reminder_start')

    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.drop_column('place_access')
        batch_op.drop_column('place_link')
        batch_op.drop_column('place_address')

    with op.batch_alter_table('circle_memberships', schema=None) as batch_op:
        batch_op.drop_column('rotation')

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_member_id'))

    op.drop_table('votes')
    with op.batch_alter_table('meeting_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_slots_meeting_id'))

    op.drop_table('meeting_slots')
    with op.batch_alter_table('meeting_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_posts_meeting_id'))

    op.drop_table('meeting_posts')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_member_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_circle_id'))

    op.drop_table('agenda_items')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_moderator_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_minute_taker_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_circle_id'))

    op.drop_table('meetings')

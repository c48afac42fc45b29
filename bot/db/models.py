"""The database schema. Change it only together with a migration under migrations/versions/."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import UTCDateTime

# Named constraints keep migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Role(StrEnum):
    COORDINATOR = "coordinator"
    MEMBER = "member"


class Participation(StrEnum):
    VOLUNTEER = "volunteer"  # Ehrenamt
    STAFF = "staff"  # Hauptamt


class MeetingStatus(StrEnum):
    DRAFT = "draft"  # slots proposed; the coordinator may change them before publishing
    POLL = "poll"  # published: people answer until the deadline
    DECIDING = "deciding"  # a tie: a coordinator picks the slot
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    YES = "yes"
    MAYBE = "maybe"  # if need be
    NO = "no"


class TaskStatus(StrEnum):
    ASKED = "asked"  # waiting for the owner to accept
    ACCEPTED = "accepted"  # binding
    DONE = "done"
    DECLINED = "declined"  # the owner cannot do it; back with whoever created it
    DROPPED = "dropped"


class MinutesStatus(StrEnum):
    OPEN = "open"  # circulating; a new version may still come
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalRule(StrEnum):
    ALL = "all"  # everyone approves
    MAJORITY = "majority"  # more than half of the members
    SILENCE = "silence"  # by the deadline, unless someone asked for changes (Umlaufverfahren)
    MEETING = "meeting"  # at the next meeting; a coordinator records it


# Ids end up in button data and reminders: SQLite must never hand out a deleted id again.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def _enum(cls: type[StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Network(Base):
    __tablename__ = "networks"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Circle(Base):
    """A Gremium: the steering group, a working group, the plenary."""

    __tablename__ = "circles"
    __table_args__ = (UniqueConstraint("network_id", "name_key"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # Case-folded, for lookups: SQLite's lower() folds ASCII only. Folding can triple a
    # letter's length (ﬃ -> ffi), hence the wider column.
    name_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    # Where its meetings take place (/place): an address, an online link, and which of
    # ACCESS_FEATURES (bot/meeting_messages.py) the place has, comma-separated.
    place_address: Mapped[str | None] = mapped_column(String(300))
    place_link: Mapped[str | None] = mapped_column(String(500))
    place_access: Mapped[str] = mapped_column(String(100), default="", server_default="")
    minutes_rule: Mapped[ApprovalRule] = mapped_column(
        _enum(ApprovalRule), default=ApprovalRule.ALL, server_default=ApprovalRule.ALL.value
    )
    # Since when people's messages in one of its group chats are relayed to the others
    # (/bridge on); None: not relayed.
    bridged_since: Mapped[datetime | None]

    channels: Mapped[list[Channel]] = relationship(back_populates="circle")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (Index(None, "network_id", "name_key"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255))  # display name, case-folded
    language: Mapped[str | None] = mapped_column(String(16))  # None: not chosen yet
    created_at: Mapped[datetime]
    # When private reminders may come, in minutes after midnight (/reminders); None: the
    # network's default evening hours.
    reminder_start: Mapped[int | None]
    reminder_end: Mapped[int | None]
    # When nothing unasked-for may come (may run past midnight); None: the network's.
    quiet_start: Mapped[int | None]
    quiet_end: Mapped[int | None]
    # A question the bot asked this person privately, "kind:id", whose answer is their next
    # plain message (why they cannot take a task on); cleared by the answer or a command.
    awaiting: Mapped[str | None] = mapped_column(String(64))
    awaiting_since: Mapped[datetime | None]

    identities: Mapped[list[Identity]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )


class Identity(Base):
    """A member's account on one platform."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("platform", "user_id"),
        Index(None, "platform", "username_key"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(255))
    username_key: Mapped[str | None] = mapped_column(String(255))  # case-folded
    language_hint: Mapped[str | None] = mapped_column(String(16))

    member: Mapped[Member] = relationship(back_populates="identities")


class Channel(Base):
    """One chat on one platform. Group chats may belong to a circle; private chats to a member."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("platform", "chat_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(255))
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="SET NULL"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    # The language of the bot's posts here (None: that of whoever caused them), and a
    # second one that a bilingual chat's posts carry too.
    language: Mapped[str | None] = mapped_column(String(16))
    second_language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    # A private chat the platform will not let us write to yet (Telegram: Start not pressed).
    unreachable_since: Mapped[datetime | None]
    # When the chat was told that its messages are relayed, and where to (once per bridge).
    bridge_told_at: Mapped[datetime | None]

    circle: Mapped[Circle | None] = relationship(back_populates="channels")


class CircleMembership(Base):
    __tablename__ = "circle_memberships"

    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role))
    participation: Mapped[Participation | None] = mapped_column(_enum(Participation))
    joined_at: Mapped[datetime]
    # Agreed to take turns moderating and taking the minutes (/rotation).
    rotation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    member: Mapped[Member] = relationship()
    circle: Mapped[Circle] = relationship()


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(None, "sent_at", "failed_at", "not_before"),
        # A reply to one of the bot's messages names it by its platform id (the bridge).
        Index(None, "channel_id", "platform_message_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    # The rendered message; blanked once delivered so the bot keeps no archive of texts.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime]
    not_before: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    # Waiting for the person to open the private chat; sent once they do.
    parked_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Parts of the message already delivered (bot/transports/__init__.py, Progress).
    parts_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    platform_message_id: Mapped[str | None] = mapped_column(String(255))
    # The row whose message this one goes in (its own id: alone), for messages that may
    # go merged (bot/outbox.py, Merge); chosen before the first send and kept, so that
    # after a crash the same rows go together again.
    merged_into: Mapped[int | None] = mapped_column(Integer, index=True)
    # Set on the goodbye after /forgetme: once it is delivered, the private chat row goes too.
    purge_channel_after_send: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the data of the message's first attachment is kept (its payload has none).
    file_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_files.id", ondelete="SET NULL"), index=True
    )

    channel: Mapped[Channel] = relationship()


class Relay(StrEnum):
    COPY = "copy"
    EDIT = "edit"  # the copy changed as its original was
    DELETION = "deletion"  # the copy deleted as its original was


class RelayedMessage(Base):
    """A person's message in a bridged chat, and its copy in another chat of the circle
    (or a change to the copy): the message map. The copy's id on its platform is its
    outbox row's, once sent."""

    __tablename__ = "relayed_messages"
    __table_args__ = (Index(None, "source_channel_id", "source_message_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    source_message_id: Mapped[str] = mapped_column(String(255))
    copy_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    kind: Mapped[Relay] = mapped_column(
        _enum(Relay), default=Relay.COPY, server_default=Relay.COPY.value
    )
    created_at: Mapped[datetime]


class OutboxFile(Base):
    """An attachment's data, kept once for all the outbox rows that send it: minutes to a
    whole circle would otherwise be copied into every row. Deleted once they are all
    delivered or given up."""

    __tablename__ = "outbox_files"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class AvailabilityWindow(Base):
    """A weekly window in which a person can come: wall-clock minutes in the network's
    time zone, so daylight saving never moves it (bot/availability.py)."""

    __tablename__ = "availability_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 is Monday
    start_minute: Mapped[int]
    end_minute: Mapped[int]  # exclusive; 1440 is midnight


class Absence(Base):
    """Days a person cannot come, whatever their weekly windows say."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]


class Meeting(Base):
    """A meeting of a circle: first a poll over slots, then a time, a place and roles."""

    __tablename__ = "meetings"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Its posts in a chat without a language of its own: that of whoever planned it.
    language: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int]
    status: Mapped[MeetingStatus] = mapped_column(_enum(MeetingStatus))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    deadline: Mapped[datetime | None]  # of the poll
    starts_at: Mapped[datetime | None]  # once decided
    # The slot decided on: its yes and if-need-be answers are who is expected (a plain
    # number, not a foreign key: the two tables would point at each other).
    chosen_slot_id: Mapped[int | None]
    # The calendar event's identity: the same UID for every change, SEQUENCE raised.
    uid: Mapped[str] = mapped_column(String(100))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)  # people who answered the poll
    # When the tally messages were last edited: at most one edit per chat every 3 s.
    tally_edited_at: Mapped[datetime | None]
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    minute_taker_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )

    # Loaded with the meeting: nearly everything done with a meeting needs its slots.
    slots: Mapped[list[MeetingSlot]] = relationship(
        order_by="MeetingSlot.starts_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )
    circle: Mapped[Circle] = relationship()


class MeetingSlot(Base):
    __tablename__ = "meeting_slots"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    # The tally, kept up to date with each vote in the same unit of work: reading it is
    # one row per slot, however many answered (bench/bench_meetings.py).
    yes: Mapped[int] = mapped_column(Integer, default=0)
    maybe: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
    volunteers: Mapped[int] = mapped_column(Integer, default=0)  # volunteers' yes or maybe


class Vote(Base):
    """One person's answer for one slot; changed in place until the poll closes."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("slot_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    # None once the person had themselves forgotten: the tally stays right.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    answer: Mapped[Answer] = mapped_column(_enum(Answer))
    volunteer: Mapped[bool] = mapped_column(Boolean, default=False)  # when they answered
    answered_at: Mapped[datetime]


class MeetingPost(Base):
    """A message about a meeting in one chat, to be edited later (the live tally)."""

    __tablename__ = "meeting_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    outbox_id: Mapped[int]  # its outbox row knows the platform's message id once sent


class AgendaItem(Base):
    """A point for a circle's next meeting (meeting_id None) or one held (set)."""

    __tablename__ = "agenda_items"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]


class Reminder(Base):
    """Something due at a moment: fired once by the scheduler, by its kind."""

    __tablename__ = "reminders"
    __table_args__ = (Index(None, "fired_at", "due_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    # The row it is about, in the table its kind implies. Indexed: a task's rows are
    # looked up and forgotten among many thousands still pending.
    subject_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class InboxUpdate(Base):
    """An update taken from a platform, written before the platform is told it arrived.

    Handled exactly once: the unit of work that handles it marks it. Its payload (people's
    texts) is blanked then, like the outbox's.
    """

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "update_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None] = mapped_column(index=True)


class TransportState(Base):
    """What a transport must remember across restarts: an update offset, a sync token."""

    __tablename__ = "transport_state"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024))


class Task(Base):
    """A commitment: one owner does one thing by a day (and maybe a time of day).

    The due date is kept as wall-clock date and time in the network's zone, so daylight
    saving never moves it; a task given to two people is two rows.
    """

    __tablename__ = "tasks"
    __table_args__ = (Index(None, "circle_id", "status"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    deputy_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus))
    due_on: Mapped[date]
    due_time: Mapped[time | None]
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]  # accepted or declined
    done_at: Mapped[datetime | None]
    # Reminders sent so far: before, on the day, overdue, weekly after that.
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    deputy_asked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A recurring task: "day", "week:WEEKDAY" (0 is Monday) or "month:DAY"; when it is done,
    # the next one is due at the next such day.
    repeat: Mapped[str | None] = mapped_column(String(16))


class Minutes(Base):
    """The minutes (Protokoll) of one meeting, from the first version to the outcome."""

    __tablename__ = "minutes"
    __table_args__ = (Index(None, "circle_id", "status"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[MinutesStatus] = mapped_column(_enum(MinutesStatus))
    rule: Mapped[ApprovalRule] = mapped_column(_enum(ApprovalRule))  # the circle's, when sent
    deadline: Mapped[datetime | None]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    # The coordinator who recorded the meeting's vote (/minutes approve), under that rule.
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )


class MinutesVersion(Base):
    """One submitted version: never changed once stored; a correction is a new version."""

    __tablename__ = "minutes_versions"
    __table_args__ = (UniqueConstraint("minutes_id", "number"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"))
    number: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # bot.minutes_document.Kind
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str | None] = mapped_column(Text)  # None: a PDF without a text layer
    decisions: Mapped[list[str]] = mapped_column(JSON, default=list)
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)  # as /task would take them
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    submitted_at: Mapped[datetime]
    # Where it was sent: the action items' @mentions name people on this platform.
    platform: Mapped[str | None] = mapped_column(String(16))


class MinutesAnswer(Base):
    """A member's answer to one version: approved, or changes asked for (with a comment)."""

    __tablename__ = "minutes_answers"
    __table_args__ = (UniqueConstraint("version_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("minutes_versions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    approved: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(String(2000))
    answered_at: Mapped[datetime]


class Decision(Base):
    """A decision from approved minutes: the circle's decision log (/decisions)."""

    __tablename__ = "decisions"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("minutes_versions.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime]

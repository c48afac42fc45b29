"""The bot in Matrix through matrix-nio: logging in once, syncing through the inbox, sending.

Each sync's timeline events are recorded in the inbox together with its next_batch token,
in one transaction, before the next sync asks from that token; then they are handled one
by one, each carrying its receipt, so an event is handled once even across restarts.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    DownloadError,
    EncryptionError,
    ErrorResponse,
    InviteInfo,
    InviteMemberEvent,
    LoginError,
    MatrixRoom,
    MemoryDownloadResponse,
    MessageDirection,
    ProfileGetDisplayNameResponse,
    RoomCreateResponse,
    RoomGetEventResponse,
    RoomMessagesResponse,
    RoomPreset,
    RoomSendResponse,
    SyncError,
    UploadFilterResponse,
    UploadResponse,
    WhoamiResponse,
)
from nio.crypto import decrypt_attachment
from nio.store import DefaultStore

from bot.config import MatrixSettings
from bot.events import ChatAddress, Event, IncomingFile, MessageEvent, Unreadable
from bot.inbox import TransportStore
from bot.messages import Attachment, OutgoingMessage, RichText
from bot.transports import (
    EventHandler,
    PermanentFailure,
    Progress,
    RecipientUnreachable,
    RetryLater,
    StartupError,
    pieces,
)
from bot.transports.matrix import render
from bot.transports.matrix.convert import (
    DIRECT,
    MAX_DOWNLOAD,
    PLATFORM,
    FileRef,
    attached_file,
    chosen_number,
    to_event,
    vote,
)
from bot.transports.receiving import InboxLoop, stop_loop, until_stopped

# A homeserver refuses an event over 64 KiB. The text goes in twice (plain and as HTML,
# where escapes make it longer), so a long text is sent in pieces that fit.
MAX_CONTENT_BYTES = 60_000  # the rest of the event (ids, keys, signatures) is small
MAX_TEXT = 16_000  # the first cut; halved until every piece fits
# A sync with nothing to record (the bot's own messages coming back) keeps its token in
# memory only; every this-many-th is saved all the same, so a restart catches up from near.
TOKEN_SAVED_EVERY = 50

log = logging.getLogger(__name__)

Part = Callable[[], Awaitable[tuple[str, dict[str, Any]]]]


def sync_filter(timeline_limit: int) -> dict[str, Any]:
    """Only what the bot acts on; a lean sync is a fast one."""
    return {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "ephemeral": {"types": []},
            "account_data": {"types": []},
            "timeline": {"limit": timeline_limit, "lazy_load_members": True},
            "state": {"lazy_load_members": True},
        },
    }


UNREACHABLE = (aiohttp.ClientError, OSError, TimeoutError)
DOWNLOAD_TIMEOUT = 60.0  # seconds; a stuck download would hold up every later event
INVITE_GRACE = 60.0  # seconds a private message waits for a fresh invitation to be accepted
ENCRYPTED = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


class LeanStore(DefaultStore):
    """nio's key store, without a write after every sync: nio saves the set of newly
    encrypted rooms each time, and the empty set still cost a query and a transaction."""

    def save_encrypted_rooms(self, rooms: set[str]) -> None:
        if rooms:
            super().save_encrypted_rooms(rooms)


class SyncFailed(Exception):
    """The homeserver answered a sync with an error."""


class MatrixTransport:
    platform = PLATFORM

    def __init__(
        self,
        settings: MatrixSettings,
        sync_timeout_ms: int = 30_000,
        retry_delay: float = 1.0,
        timeline_limit: int = 50,
    ) -> None:
        self._settings = settings
        self._sync_timeout_ms = sync_timeout_ms
        # Events per room in one sync; more than that since the last one (after an outage)
        # are fetched page by page (_missed).
        self._filter = sync_filter(timeline_limit)
        self._filter_id: str | None = None
        self._txn_prefix = ""
        self._retry_delay = retry_delay
        self._client: AsyncClient | None = None
        self._since: str | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._synced = False  # the first sync of this run is done
        self._unsaved_syncs = 0  # syncs since the token was last saved
        self._unreadable_from: set[tuple[str, str]] = set()  # (room, person) told already
        self._direct: dict[str, str] = {}  # person: their private chat's room
        self._invited: dict[str, float] = {}  # person: when the bot invited them (monotonic)
        self._store: TransportStore | None = None

    @property
    def client(self) -> AsyncClient:
        assert self._client is not None, "start() first"
        return self._client

    @property
    def store(self) -> TransportStore:
        assert self._store is not None, "start() first"
        return self._store

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        settings = self._settings
        # Limits and time-outs go to the outbox, which holds the room and serves others:
        # nio's own retry would sleep inside a send.
        config = AsyncClientConfig(
            max_limit_exceeded=0,
            max_timeouts=0,
            store_sync_tokens=False,  # the inbox keeps the token, with the events it covers
            encryption_enabled=True,
            store=LeanStore,
        )
        Path(settings.store_dir).mkdir(parents=True, exist_ok=True)
        client = AsyncClient(
            settings.homeserver, settings.user_id, store_path=settings.store_dir, config=config
        )
        self._client, self._store = client, store
        try:
            await self._log_in(client, store)
            # Uploaded once and named by its id: the homeserver then neither parses nor
            # validates it at every sync.
            uploaded = await client.upload_filter(**self._filter)
            if isinstance(uploaded, UploadFilterResponse):
                self._filter_id = uploaded.filter_id
            # The first sync, before anything is handled: nio knows the rooms (and who is
            # in the encrypted ones) only from it, and the answers need that.
            await self._sync(store)
        except UNREACHABLE as error:
            await client.close()
            raise StartupError(
                f"cannot reach the Matrix homeserver at {settings.homeserver}: {error}"
            ) from None
        except SyncFailed as error:
            await client.close()
            raise StartupError(f"the Matrix homeserver refused the first sync: {error}") from None
        except BaseException:
            await client.close()
            raise
        self._txn_prefix = await store.state(PLATFORM, "txn_prefix") or ""
        if not self._txn_prefix:
            self._txn_prefix = secrets.token_hex(4)
            await store.set_state(PLATFORM, "txn_prefix", self._txn_prefix)
        log.info("matrix: connected as %s (device %s)", client.user_id, client.device_id)
        loop = InboxLoop(
            PLATFORM,
            store,
            fetch=partial(self._sync, store),
            prepare=self._prepare,
            handle=on_event,
            stopping=self._stopping,
            retry_delay=self._retry_delay,
            expected_faults=(*UNREACHABLE, SyncFailed),
        )
        self._task = asyncio.create_task(loop.run())

    async def _log_in(self, client: AsyncClient, store: TransportStore) -> None:
        """A configured access token, else the login kept from the last start, else a new
        login: logging in anew every start would add a device each time (and Synapse limits
        logins)."""
        settings = self._settings
        if settings.access_token:
            client.access_token = settings.access_token
            who = await client.whoami()
            if not isinstance(who, WhoamiResponse):
                raise StartupError(
                    f"Matrix refused the access token for {settings.user_id}: {who.message}; "
                    "check [matrix] access_token or NETZWERKBOT_MATRIX_ACCESS_TOKEN"
                )
            client.restore_login(who.user_id, who.device_id or "", settings.access_token)
            return
        saved = json.loads(await store.state(PLATFORM, "session") or "{}")
        if saved.get("user_id") == settings.user_id:
            client.access_token = saved["access_token"]
            who = await client.whoami()
            if isinstance(who, WhoamiResponse):
                # Loads the keys of that device too (restore_login opens the store).
                client.restore_login(saved["user_id"], saved["device_id"], saved["access_token"])
                return
            log.warning("matrix: the kept login was refused (%s); logging in anew", who.message)
        response = await client.login(settings.password, device_name="netzwerkbot")
        if isinstance(response, LoginError):
            raise StartupError(
                f"Matrix refused the login for {settings.user_id}: {response.message}; "
                "check [matrix] password or NETZWERKBOT_MATRIX_PASSWORD"
            )
        session = {
            "user_id": response.user_id,
            "device_id": response.device_id,
            "access_token": response.access_token,
        }
        await store.set_state(PLATFORM, "session", json.dumps(session))

    async def stop(self) -> None:
        """Finish the event in hand (its unit of work commits), then stop syncing."""
        await stop_loop(self._task, self._stopping, PLATFORM)
        if self._client is not None:
            await self._client.close()

    async def _sync(self, store: TransportStore) -> bool:
        """Record the next sync's events with the token that follows them; False if there
        were none to record."""
        if self._since is None:
            self._since = await store.state(PLATFORM, "since")
        first = not self._synced
        # Synapse keeps each sync's answer for two minutes and gives it to the same request
        # again; a first sync (full state: never waits, whatever the time-out) repeated by
        # a fresh start on the same device would get an old answer, old token included, and
        # the events since then a second time. A time-out of its own makes it a new request.
        timeout = secrets.randbelow(60_000) + 1 if first else self._sync_timeout_ms
        response = await until_stopped(
            self.client.sync(
                timeout=timeout,
                since=self._since,
                sync_filter=self._filter_id or self._filter,
                full_state=first,  # every room's state, not only what changed
            ),
            self._stopping,
        )
        if response is None:
            return False
        if isinstance(response, SyncError):
            raise SyncFailed(response.message)
        updates: list[tuple[str, dict[str, Any]]] = []
        names: dict[str, str | None] = {}  # asked of the homeserver during this sync
        if self._since is not None:  # the first sync ever: what came before the bot is past
            for room_id, info in response.rooms.join.items():
                room = self.client.rooms.get(room_id)
                events = list(info.timeline.events)
                if info.timeline.limited and info.timeline.prev_batch:
                    # More happened than one sync holds: the rest is fetched, not lost.
                    events = await self._missed(room_id, info.timeline.prev_batch) + events
                for event in events:
                    source: dict[str, Any] = event.source
                    if "event_id" in source and not self._own_echo(source):
                        recorded = _recorded(room_id, room, source)
                        if recorded["sender_name"] is None:
                            recorded["sender_name"] = await self._profile_name(source, names)
                        updates.append((source["event_id"], recorded))
        self._unsaved_syncs += 1
        if updates or first or self._unsaved_syncs >= TOKEN_SAVED_EVERY:
            # Not for every echo of the bot's own sends: that was a commit, and a read of
            # the inbox, for each message the bot relayed.
            await store.take(PLATFORM, updates, {"since": response.next_batch})
            self._unsaved_syncs = 0
        self._since = response.next_batch
        self._synced = True
        await keep_keys(self.client)
        for room_id, invite in response.rooms.invite.items():
            await self._answer_invite(room_id, invite)
        return bool(updates)

    def _own_echo(self, source: dict[str, Any]) -> bool:
        """The bot's own messages come back in every sync; only its joins matter (the
        hello), so the rest is not even recorded."""
        return source.get("sender") == self.client.user_id and source.get("type") != "m.room.member"

    async def _profile_name(
        self, source: dict[str, Any], names: dict[str, str | None]
    ) -> str | None:
        """The display name of someone the sync did not introduce: the author of an event
        fetched after an outage (lazy loading sends members only for the newest events)."""
        author = source.get("sender")
        if not isinstance(author, str) or author == self.client.user_id:
            return None
        if author not in names:
            found = await self.client.get_displayname(author)
            ok = isinstance(found, ProfileGetDisplayNameResponse)
            names[author] = found.displayname if ok else None
        return names[author]

    async def _missed(self, room_id: str, prev_batch: str) -> list[Any]:
        """The room's events between the last sync's token and `prev_batch`, oldest first."""
        missed: list[Any] = []
        start = prev_batch
        while True:
            page = await self.client.room_messages(
                room_id, start=start, end=self._since, direction=MessageDirection.back, limit=100
            )
            if not isinstance(page, RoomMessagesResponse):
                raise SyncFailed(f"fetching missed events failed: {page}")
            missed += page.chunk  # newest first
            if not page.chunk or not page.end or page.end == start:
                log.info("matrix: %d missed events in %s fetched back", len(missed), room_id)
                return missed[::-1]
            start = page.end

    async def _answer_invite(self, room_id: str, invite: InviteInfo) -> None:
        inviter = next(
            (
                event.sender
                for event in invite.invite_state
                if isinstance(event, InviteMemberEvent)
                and event.state_key == self.client.user_id
                and event.membership == "invite"
            ),
            None,
        )
        if inviter is not None and self._settings.may_invite(inviter):
            log.info("matrix: joining %s, invited by %s", room_id, inviter)
            answer = await self.client.join(room_id)
        else:
            log.info("matrix: declining the invitation to %s from %s", room_id, inviter)
            answer = await self.client.room_leave(room_id)
        if isinstance(answer, ErrorResponse):  # asked again at the next sync
            log.warning("matrix: answering the invitation to %s failed: %s", room_id, answer)

    async def _prepare(self, receipt: int, payload: dict[str, Any]) -> Event | None:
        event = to_event(payload, receipt, self.client.user_id)
        if event is None:
            return None
        if payload.get("direct"):
            await self._remember_direct(event.sender.user_id, payload["room_id"])
        choice = chosen_number(event)
        if choice is not None:
            event = await self._as_vote(event, payload["room_id"], *choice) or event
        file = attached_file(payload)
        if file is not None and isinstance(event, MessageEvent):
            if event.awaits_answer:
                event = replace(event, files=(await self._fetch(file),))
            else:  # a picture in a group: fetched only if the bridge passes it on
                ref = _ref(file) if (file.size or 0) <= MAX_DOWNLOAD else None
                event = replace(
                    event, files=(IncomingFile(file.filename, file.mime_type, None, ref),)
                )
        # A broken session makes every message unreadable: say so once, not each time.
        who = (event.chat.chat_id, event.sender.user_id)
        if not isinstance(event, Unreadable):
            self._unreadable_from.discard(who)
        elif who in self._unreadable_from:
            return None
        else:
            self._unreadable_from.add(who)
        return event

    async def _as_vote(self, event: Event, room_id: str, poll_id: str, number: int) -> Event | None:
        """The tap a number reaction or reply to one of the bot's polls stands for."""
        found = await self.client.room_get_event(room_id, poll_id)
        if not isinstance(found, RoomGetEventResponse):
            return None  # not there any more, or not visible to the bot
        return vote(event, found.event.source, number, self.client.user_id)

    async def _fetch(self, file: FileRef) -> IncomingFile:
        """Download (and decrypt) a file someone sent the bot; None as its data if it is too
        large or the homeserver will not give it."""
        data: bytes | None = None
        if (file.size or 0) <= MAX_DOWNLOAD:
            try:
                data = await self.fetch(_ref(file))
            except (PermanentFailure, ConnectionError) as error:
                log.info("matrix: %s", error)
            if data is not None and len(data) > MAX_DOWNLOAD:
                data = None  # its size was not given
        return IncomingFile(file.filename, file.mime_type, data)

    async def fetch(self, ref: str) -> bytes:
        """`ref`: the file's mxc URL and, in an encrypted room, its key (`_ref`)."""
        url, encryption = json.loads(ref)
        file = FileRef(url, "", "", None, encryption)
        found = await asyncio.wait_for(self.client.download(url), DOWNLOAD_TIMEOUT)
        if isinstance(found, DownloadError) and found.status_code in ("M_NOT_FOUND", "M_TOO_LARGE"):
            raise PermanentFailure(f"cannot fetch the file: {found.message}")
        if not isinstance(found, MemoryDownloadResponse):
            raise ConnectionError(f"fetching a file failed: {found}")  # tried again later
        data = found.body if encryption is None else _decrypted(found.body, file)
        if data is None:
            raise PermanentFailure("the file does not match its hash")
        return data

    async def _remember_direct(self, user_id: str, room_id: str) -> None:
        """The room a person uses as their private chat with the bot (the newest one)."""
        if self._direct.get(user_id) != room_id:
            await self.store.set_state(PLATFORM, DIRECT + user_id, room_id)
            self._direct[user_id] = room_id

    async def _room(self, chat: ChatAddress) -> str:
        """The room of `chat`; a private chat's room is made when the bot first writes."""
        if not chat.chat_id.startswith(DIRECT):
            if chat.chat_id not in self.client.rooms:
                # Answers follow events from the room, so a room the sync never showed is
                # one the bot is not in: trying again would never end.
                raise PermanentFailure("the bot is not in this room")
            return chat.chat_id
        user_id = chat.chat_id.removeprefix(DIRECT)
        room_id = self._direct.get(user_id) or await self.store.state(PLATFORM, chat.chat_id)
        # A room just opened is known to nio only after the next sync.
        if room_id is None or (room_id not in self.client.rooms and user_id not in self._invited):
            room_id = await self._open_direct(user_id)  # none yet, or the bot is out of it
        self._direct[user_id] = room_id
        invited = self._invited.get(user_id)
        if invited is not None:  # the bot's own invitation: accepted yet?
            room = self.client.rooms.get(room_id)
            if room is None or user_id not in room.users or user_id in room.invited_users:
                if time.monotonic() - invited < INVITE_GRACE:
                    raise RetryLater(1.0)  # they may accept it any moment
                # Like Telegram's Start: the outbox keeps the messages until they join,
                # and the bot asks them once, in a group they share.
                raise RecipientUnreachable()
            del self._invited[user_id]
        return room_id

    async def _open_direct(self, user_id: str) -> str:
        created = await self.client.room_create(
            is_direct=True,
            invite=[user_id],
            preset=RoomPreset.trusted_private_chat,
            initial_state=[ENCRYPTED],  # what it holds is private (e.g. /mydata)
        )
        if not isinstance(created, RoomCreateResponse):
            _check(created)
            raise PermanentFailure(f"cannot open a private chat with {user_id}: {created}")
        log.info("matrix: invited %s to a private chat", user_id)
        self._invited[user_id] = time.monotonic()
        await self._remember_direct(user_id, created.room_id)
        return created.room_id

    def private_link(self) -> str | None:
        return f"https://matrix.to/#/{self._settings.user_id}"

    async def publish_commands(self, menus: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        pass  # Matrix has no command menu: /help lists them

    async def send(
        self, chat: ChatAddress, message: OutgoingMessage, progress: Progress
    ) -> str | None:
        room_id = await self._room(chat)
        first_id: str | None = None  # unknown if an earlier attempt sent it
        for index, part in enumerate(self._parts(message)):
            if index < progress.parts_done:
                continue  # delivered by an earlier attempt
            kind, content = await part()
            # The transaction id makes a repeated attempt (after a time-out, say) the same
            # event to the homeserver, never a second one. The homeserver keeps ids per
            # device: the prefix, made with the database, keeps a fresh database's outbox
            # rows (numbered from 1 again) from passing for old ones when the configured
            # access token, and so the device, stays the same.
            txn = f"{self._txn_prefix}.{progress.key}.{index}" if progress.key else None
            event_id = await self._send_event(room_id, kind, content, txn)
            first_id = first_id or event_id
            progress.parts_done = index + 1
        # The first part stands for the message: its text, which an edit changes (a
        # relayed photo's caption, say), and the start, which a reply points at.
        return first_id

    async def replace(self, chat: ChatAddress, message_id: str, message: OutgoingMessage) -> None:
        room_id = await self._room(chat)
        if message.is_deletion:
            _check(await self.client.room_redact(room_id, message_id))
            return
        await self._send_event(room_id, "m.room.message", render.edit(message_id, message.text))

    def _parts(self, message: OutgoingMessage) -> list[Part]:
        parts: list[Part] = []
        if message.buttons:
            content = render.poll(message.text, message.buttons)
            parts.append(partial(_ready, render.POLL_START, content))
        elif message.text.plain:
            for content in _notices(message.text, message.reply_to):
                parts.append(partial(_ready, "m.room.message", content))
        parts += [partial(self._upload, attachment) for attachment in message.attachments]
        return parts

    async def _upload(self, attachment: Attachment) -> tuple[str, dict[str, Any]]:
        uploaded, _ = await self.client.upload(
            io.BytesIO(attachment.data),
            content_type=attachment.mime_type,
            filename=attachment.filename,
            filesize=len(attachment.data),
        )
        if not isinstance(uploaded, UploadResponse):
            _check(uploaded)
            raise PermanentFailure(f"upload refused: {uploaded}")
        content = render.file(
            attachment.filename, attachment.mime_type, len(attachment.data), uploaded.content_uri
        )
        return "m.room.message", content

    async def _send_event(
        self, room_id: str, kind: str, content: dict[str, Any], txn: str | None = None
    ) -> str:
        response = await self.client.room_send(
            room_id, kind, content, tx_id=txn, ignore_unverified_devices=True
        )
        _check(response)
        assert isinstance(response, RoomSendResponse)
        return response.event_id


async def keep_keys(client: AsyncClient) -> None:
    """What encryption needs after each sync: our keys published, others' keys known, and
    room keys for people's devices sent."""
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    await client.send_to_device_messages()


async def _ready(kind: str, content: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return kind, content


def _notices(text: RichText, reply_to: str | None) -> list[dict[str, Any]]:
    """The text as notices each under the homeserver's size limit, cut at line ends."""
    limit = MAX_TEXT
    while True:
        split = pieces.split(text, limit)
        contents = [
            render.notice(piece, reply_to if n == 0 else None) for n, piece in enumerate(split)
        ]
        size = max(len(json.dumps(c, ensure_ascii=False).encode()) for c in contents)
        if size <= MAX_CONTENT_BYTES or limit < 256:
            return contents
        limit //= 2


def _check(response: object) -> None:
    """The homeserver's errors as the outbox understands them."""
    if not isinstance(response, ErrorResponse):
        return
    if response.status_code == "M_LIMIT_EXCEEDED":
        raise RetryLater((response.retry_after_ms or 5000) / 1000)
    if response.status_code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN", "M_BAD_JSON"):
        raise PermanentFailure(f"{response.status_code}: {response.message}")
    raise ConnectionError(str(response))  # anything else: the outbox tries again


def _decrypted(ciphertext: bytes, file: FileRef) -> bytes | None:
    """A file from an encrypted room, in the clear; None if it does not match its hash."""
    spec = file.encryption or {}
    try:
        return bytes(
            decrypt_attachment(
                ciphertext,
                spec["key"]["k"],
                spec["hashes"]["sha256"],
                spec["iv"],
            )
        )
    except (EncryptionError, KeyError, TypeError, ValueError) as error:
        log.info("matrix: a file could not be decrypted: %s", error)
        return None


def _ref(file: FileRef) -> str:
    return json.dumps([file.url, file.encryption])


def _recorded(room_id: str, room: MatrixRoom | None, source: dict[str, Any]) -> dict[str, Any]:
    """The event with what the sync knew of its room, as the inbox keeps it."""
    author = source.get("sender")
    inviter = (source.get("unsigned") or {}).get("prev_sender")
    recorded = {
        "room_id": room_id,
        "room_name": room.display_name if room else None,
        # A direct chat: the person and the bot, in a room with no name of its own.
        "direct": bool(room and room.member_count <= 2 and not room.is_named),
        "sender_name": room.user_name(author) if room and isinstance(author, str) else None,
        "event": source,
    }
    if room and isinstance(inviter, str) and source.get("type") == "m.room.member":
        recorded["inviter_name"] = room.user_name(inviter)  # who added the bot, say
    return recorded

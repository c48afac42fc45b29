"""The bot in Telegram through python-telegram-bot's Bot: receiving and sending.

Long polling: updates are recorded in the inbox together with the next offset before
getUpdates is called with that offset (which confirms them to Telegram). Webhook: each
update Telegram posts is recorded before it is answered (webhook.py). Either way they are
then handled one by one, and each carries its receipt, so an update is handled once even
across restarts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from functools import partial
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from bot.config import TelegramSettings
from bot.events import ButtonEvent, ChatAddress, Event, IncomingFile, MessageEvent
from bot.inbox import TransportStore
from bot.messages import OutgoingMessage
from bot.transports import EventHandler, PermanentFailure, Progress, StartupError
from bot.transports.receiving import InboxLoop, stop_loop, until_stopped
from bot.transports.telegram.convert import (
    MAX_DOWNLOAD,
    PLATFORM,
    FileRef,
    attached_files,
    to_event,
)
from bot.transports.telegram.limits import SendLimits
from bot.transports.telegram.sending import Sending, call
from bot.transports.telegram.webhook import WebhookReceiver

log = logging.getLogger(__name__)

# Joins and leaves come as service messages; chat_member updates would repeat them.
UPDATE_KINDS = ["message", "edited_message", "callback_query"]


class TelegramTransport:
    platform = PLATFORM

    def __init__(
        self,
        settings: TelegramSettings,
        poll_timeout: int = 30,
        limits: SendLimits | None = None,
        retry_delay: float = 1.0,
        typing_after: float = 1.0,
    ) -> None:
        self._settings = settings
        self._poll_timeout = poll_timeout
        self._limits = limits or SendLimits()
        self._retry_delay = retry_delay  # the first wait after a fault; it doubles up to 60 s
        # A person waiting this long for an answer sees "typing…" meanwhile.
        self._typing_after = typing_after
        self._background: set[asyncio.Task[object]] = set()
        self._bot: Bot | None = None
        self._sending: Sending | None = None
        self._username = ""
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._offset: int | None = None  # long polling: the next update id to ask for
        self._webhook: WebhookReceiver | None = None
        self._delivered = asyncio.Event()  # webhook: an update was recorded

    @property
    def bot(self) -> Bot:
        assert self._bot is not None, "start() first"
        return self._bot

    @property
    def sending(self) -> Sending:
        assert self._sending is not None, "start() first"
        return self._sending

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        bot = Bot(
            self._settings.token,
            base_url=self._settings.base_url,
            base_file_url=self._settings.base_file_url,
        )
        webhook = bool(self._settings.webhook_url)
        try:
            await bot.initialize()  # getMe: checks the token
            if not webhook:
                await bot.delete_webhook()  # long polling and a webhook exclude each other
        except InvalidToken:
            raise StartupError(
                "Telegram refused the bot token: check [telegram] token or "
                "NETZWERKBOT_TELEGRAM_TOKEN (the token @BotFather gave you)"
            ) from None
        except NetworkError as error:
            raise StartupError(
                f"cannot reach the Telegram Bot API at {self._settings.base_url}: {error}"
            ) from None
        self._bot = bot
        self._sending = Sending(bot, self._limits)
        self._username = bot.username
        if webhook:
            await self._start_webhook(store)
            fetch: Callable[[], Awaitable[bool]] = self._next_delivery
        else:
            fetch = partial(self._poll, store)
        log.info(
            "telegram: connected as @%s (%s)", self._username, "webhook" if webhook else "polling"
        )
        loop = InboxLoop(
            PLATFORM,
            store,
            fetch=fetch,
            prepare=self._prepare,
            handle=partial(self._handle, on_event),
            stopping=self._stopping,
            retry_delay=self._retry_delay,
            expected_faults=(NetworkError,),
        )
        self._task = asyncio.create_task(loop.run())

    async def _start_webhook(self, store: TransportStore) -> None:
        settings = self._settings

        async def record(update: dict[str, Any]) -> None:
            await store.take(PLATFORM, [(str(update["update_id"]), update)], {})
            self._delivered.set()

        receiver = WebhookReceiver(
            settings.listen_address, settings.webhook_path, settings.webhook_secret, record
        )
        try:
            await receiver.start()
        except OSError as error:
            raise StartupError(
                f"cannot listen on {settings.webhook_listen} for Telegram's webhook: "
                f"{error.strerror or error}"
            ) from None
        try:
            # One connection at a time: Telegram then delivers the updates in their order.
            await self.bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=UPDATE_KINDS,
                max_connections=1,
            )
        except TelegramError as error:
            await receiver.stop()
            raise StartupError(
                f"Telegram refused the webhook {settings.webhook_url}: {error.message}"
            ) from None
        self._webhook = receiver

    async def stop(self) -> None:
        """Finish the update in hand (its unit of work commits), then stop polling."""
        if self._webhook is not None:
            await self._webhook.stop()  # Telegram keeps what comes meanwhile for the next start
        await stop_loop(self._task, self._stopping, PLATFORM)
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._bot is not None:
            await self._bot.shutdown()

    async def _poll(self, store: TransportStore) -> bool:
        """Long polling: record the next batch with the offset that confirms it."""
        if self._offset is None:
            self._offset = int(await store.state(PLATFORM, "offset") or 0)
        updates = await self._next_updates(self._offset)
        if updates:
            next_offset = updates[-1].update_id + 1
            await store.take(
                PLATFORM,
                [(str(u.update_id), u.to_dict()) for u in updates],
                {"offset": str(next_offset)},
            )
            self._offset = next_offset
        return bool(updates)

    async def _next_delivery(self) -> bool:
        """Webhook: wait until Telegram has posted an update (recorded already), or stop()."""
        await until_stopped(self._delivered.wait(), self._stopping)
        self._delivered.clear()
        return True

    async def _next_updates(self, offset: int) -> tuple[Update, ...]:
        """The next batch, or nothing when stop() is called during the long poll (updates
        not recorded are not confirmed: Telegram sends them again)."""
        poll = self.bot.get_updates(
            offset=offset or None, timeout=self._poll_timeout, allowed_updates=UPDATE_KINDS
        )
        return await until_stopped(poll, self._stopping) or ()

    async def _prepare(self, receipt: int, payload: dict[str, Any]) -> Event | None:
        update = Update.de_json(payload, self.bot)
        if update.callback_query is not None:
            # Answer at once so the phone stops spinning; an old query may be gone.
            with suppress(TelegramError):
                await update.callback_query.answer()
        event = to_event(update, receipt, self._username)
        files = attached_files(update)
        if files and isinstance(event, MessageEvent):
            if event.awaits_answer:
                event = replace(event, files=tuple([await self._fetch(f) for f in files]))
            else:  # a picture in a group: fetched only if the bridge passes it on
                event = replace(event, files=tuple(_unfetched(f) for f in files))
        return event

    async def _fetch(self, file: FileRef) -> IncomingFile:
        """Download a file someone sent the bot (it may be gone, or too large to fetch)."""
        data: bytes | None = None
        if (file.size or 0) <= MAX_DOWNLOAD:
            try:
                data = await self.fetch(file.file_id)
            except PermanentFailure as error:
                log.info("telegram: %s", error)
        return IncomingFile(file.filename, file.mime_type, data)

    async def fetch(self, ref: str) -> bytes:
        try:
            found = await self.bot.get_file(ref)
            return bytes(await found.download_as_bytearray())
        except BadRequest as error:
            raise PermanentFailure(f"cannot fetch the file: {error.message}") from None

    async def _handle(self, on_event: EventHandler, event: Event) -> None:
        """on_event(event); if a person waits for the answer a while, show them "typing…"."""
        awaited = isinstance(event, ButtonEvent) or (
            isinstance(event, MessageEvent) and event.awaits_answer
        )
        timer = (
            asyncio.get_running_loop().call_later(self._typing_after, self._typing, event.chat)
            if awaited
            else None
        )
        try:
            await on_event(event)
        finally:
            if timer is not None:
                timer.cancel()

    def _typing(self, chat: ChatAddress) -> None:
        async def show() -> None:
            with suppress(TelegramError):  # a nicety: never worth a fault
                await self.bot.send_chat_action(int(chat.chat_id), ChatAction.TYPING)

        task: asyncio.Task[object] = asyncio.create_task(show())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def private_link(self) -> str | None:
        return f"https://t.me/{self._username}" if self._username else None

    async def publish_commands(self, menus: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        """setMyCommands once per language; Telegram shows each user the one for theirs."""
        for language, commands in menus.items():
            await call(
                self.bot.set_my_commands(
                    [BotCommand(name, help_text[:256]) for name, help_text in commands],
                    language_code=language or None,
                )
            )

    async def send(
        self, chat: ChatAddress, message: OutgoingMessage, progress: Progress
    ) -> str | None:
        return await self.sending.send(chat, message, progress)

    async def replace(self, chat: ChatAddress, message_id: str, message: OutgoingMessage) -> None:
        await self.sending.replace(chat, message_id, message)


def _unfetched(file: FileRef) -> IncomingFile:
    """A file to fetch when it is needed; none (no ref) if it is too large to fetch."""
    fetchable = (file.size or 0) <= MAX_DOWNLOAD
    return IncomingFile(file.filename, file.mime_type, None, file.file_id if fetchable else None)

"""A Bot API server for the tests: the real python-telegram-bot client talks to it over HTTP.

It keeps what the bot sent, lets a test inject what people do (messages, button taps),
and answers getUpdates with long polling and offsets like Telegram does. Objects carry
every field PTB requires for its pinned version.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
MAX_TEXT = 4096  # UTF-16 code units of the text as shown
MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's getFile limit
BOT = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Netzwerkbot",
    "username": "netzwerkbot",
    "can_join_groups": True,
    "can_read_all_group_messages": True,
    "supports_inline_queries": False,
}


@dataclass
class Sent:
    method: str
    chat_id: int
    message_id: int
    text: str
    params: dict[str, Any]
    edited: bool = False  # in `log`: this is an edit of an earlier message


@dataclass
class FakeBotAPI:
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)  # what the bot sent, as it is now
    edits: list[Sent] = field(default_factory=list)
    log: list[Sent] = field(default_factory=list)  # every send and edit, as it was then
    deleted: list[tuple[int, int]] = field(default_factory=list)  # (chat id, message id)
    actions: list[tuple[int, str]] = field(default_factory=list)  # (chat id, chat action)
    files: dict[str, bytes] = field(default_factory=dict)  # what people sent, by file id
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    answered_callbacks: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    retry_after: list[int] = field(default_factory=list)  # answer the next sends with 429
    not_started: set[int] = field(default_factory=set)  # people who never pressed Start
    migrated: dict[int, int] = field(default_factory=dict)  # old group id: supergroup id
    reject_photos: bool = False  # as Telegram does for a picture of odd shape
    enforce_limits: bool = False  # answer 429 like Telegram when a chat gets too much
    rejected: int = 0  # 429 answers given
    _times: dict[int, list[float]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _new_sent: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    webhook: dict[str, Any] = field(default_factory=dict)  # setWebhook's parameters
    webhook_answers: list[int] = field(default_factory=list)  # the bot's HTTP statuses
    _pusher: asyncio.Task[None] | None = None
    port: int = 0

    # What people do.

    def user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language: str | None = "de",
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language:
            user["language_code"] = language
        return user

    def group(self, chat_id: int, title: str) -> dict[str, Any]:
        return {"id": chat_id, "type": "group", "title": title}

    def private(self, user: dict[str, Any]) -> dict[str, Any]:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def message(
        self,
        user: dict[str, Any],
        chat: dict[str, Any],
        text: str,
        replying_to: tuple[int, dict[str, Any]] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> int:
        """`user` writes `text`; `replying_to`: in reply to that message id by that user;
        `entities`: its formatting, as Telegram marks it."""
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if replying_to is not None:
            replied, author = replying_to
            message["reply_to_message"] = {
                "message_id": replied,
                "date": int(time.time()),
                "chat": chat,
                "from": author,
                "text": "…",
            }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if entities:
            message["entities"] = entities
        self._push({"message": message})
        return message["message_id"]

    def document(
        self,
        user: dict[str, Any],
        chat: dict[str, Any],
        filename: str,
        data: bytes,
        caption: str = "",
        mime_type: str = "application/pdf",
    ) -> int:
        file_id = f"doc{len(self.files)}"
        self.files[file_id] = data
        document = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self._post(user, chat, document=document, caption=caption)

    def photo(
        self, user: dict[str, Any], chat: dict[str, Any], data: bytes, caption: str = ""
    ) -> int:
        """A photo, in Telegram's two sizes: a thumbnail and the real one."""
        thumb_id, file_id = f"thumb{len(self.files)}", f"photo{len(self.files)}"
        self.files[thumb_id], self.files[file_id] = data[:10], data
        sizes = [_photo_size(thumb_id, 10), _photo_size(file_id, len(data))]
        return self._post(user, chat, photo=sizes, caption=caption)

    def voice(self, user: dict[str, Any], chat: dict[str, Any], data: bytes) -> int:
        file_id = f"voice{len(self.files)}"
        self.files[file_id] = data
        voice = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "duration": 2,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._post(user, chat, voice=voice)

    def _post(self, user: dict[str, Any], chat: dict[str, Any], **content: Any) -> int:
        if not content.get("caption"):
            content.pop("caption", None)
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **content,
        }
        self._push({"message": message})
        return message["message_id"]

    def join(self, user: dict[str, Any], group: dict[str, Any], *joined: dict[str, Any]) -> None:
        """`user` added `joined` to the group (or joined by link, when that is themselves)."""
        self._post(user, group, new_chat_members=list(joined))

    def leave(self, user: dict[str, Any], group: dict[str, Any], gone: dict[str, Any]) -> None:
        self._post(user, group, left_chat_member=gone)

    def migrate(self, user: dict[str, Any], group: dict[str, Any], new_id: int) -> dict[str, Any]:
        """The group becomes a supergroup with a new id; returns the new chat."""
        self._push(
            {
                "message": {
                    "message_id": next(self._ids),
                    "date": int(time.time()),
                    "chat": group,
                    "from": user,
                    "migrate_to_chat_id": new_id,
                }
            }
        )
        return {"id": new_id, "type": "supergroup", "title": group["title"]}

    def edit(
        self,
        user: dict[str, Any],
        chat: dict[str, Any],
        message_id: int,
        text: str,
        caption_of: dict[str, Any] | None = None,
    ) -> None:
        """`user` changes their message's text, or the caption of its file `caption_of`
        (such as {"document": {...}})."""
        edited: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": chat,
            "from": user,
        }
        edited |= {**caption_of, "caption": text} if caption_of else {"text": text}
        self._push({"edited_message": edited})

    def tap(self, user: dict[str, Any], sent: Sent, data: str) -> None:
        chat = (
            {"id": sent.chat_id, "type": "private", "first_name": user["first_name"]}
            if sent.chat_id > 0
            else {"id": sent.chat_id, "type": "group", "title": "g"}
        )
        message = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT,
            "text": sent.text,
        }
        self._push(
            {
                "callback_query": {
                    "id": str(next(self._ids)),
                    "from": user,
                    "chat_instance": "ci",
                    "message": message,
                    "data": data,
                }
            }
        )

    def _push(self, update: dict[str, Any]) -> None:
        self.updates.append({"update_id": next(self._update_ids), **update})
        self._new_update.set()

    # The server.

    async def wait_sent(self, count: int) -> None:
        """Until the bot has sent `count` messages in all (woken by each one, no polling)."""
        while len(self.sent) < count:
            self._new_sent.clear()
            await self._new_sent.wait()

    async def start(self, routes: Sequence[web.RouteDef] = ()) -> str:
        """Serve on a free port of 127.0.0.1; `routes` are served besides the Bot API."""
        app = web.Application()
        app.router.add_route("POST", "/bot{token}/{method}", self._dispatch)
        app.router.add_routes(routes)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def stop(self) -> None:
        self.webhook = {}
        self._new_update.set()
        if self._pusher is not None:
            await self._pusher
        if self._runner is not None:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        self.calls.append(method)
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:  # PTB posts form fields, objects among them as JSON
            form = await request.post()
            params = {key: _field(value) for key, value in form.items()}
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, f"Not Found: method {method}")
        return await handler(params)

    async def _api_getMe(self, params: dict[str, Any]) -> web.Response:
        return _ok(BOT)

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = {}
        return _ok(True)

    async def _api_setWebhook(self, params: dict[str, Any]) -> web.Response:
        if not str(params.get("url", "")).startswith(("https://", "http://127.0.0.1")):
            return _error(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = dict(params)
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push_to_webhook())
        return _ok(True)

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> web.Response:
        return _ok(
            {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self.updates),
            }
        )

    async def _push_to_webhook(self) -> None:
        """Like Telegram: post each update, one at a time, until it is answered 200."""
        async with aiohttp.ClientSession() as client:
            while self.webhook:
                if not self.updates:
                    self._new_update.clear()
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._new_update.wait(), 0.2)
                    continue
                update = self.updates[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook.get("secret_token", "")}
                try:
                    async with client.post(self.webhook["url"], json=update, headers=headers) as r:
                        self.webhook_answers.append(r.status)
                        delivered = r.status == 200
                except aiohttp.ClientError:
                    delivered = False
                if delivered:
                    self.updates.remove(update)
                else:
                    await asyncio.sleep(0.05)  # Telegram waits longer; the tests need not

    async def _api_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        self.commands[params.get("language_code", "")] = params["commands"]
        return _ok(True)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        self.answered_callbacks.append(str(params["callback_query_id"]))
        return _ok(True)

    async def _api_getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook:
            return _error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed
        if not self.updates and timeout:
            self._new_update.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit") or 100)
        return _ok(self.updates[:limit])

    async def _api_sendMessage(self, params: dict[str, Any]) -> web.Response:
        text = params["text"]
        try:
            shown = as_shown(text) if params.get("parse_mode") == "HTML" else text
        except ValueError as error:
            return _error(400, f"Bad Request: can't parse entities: {error}")
        if not shown.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(shown.encode("utf-16-le")) // 2 > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        return self._record("sendMessage", params, text, shown=shown)

    async def _api_sendDocument(self, params: dict[str, Any]) -> web.Response:
        document = params["document"]
        name = getattr(document, "filename", "file")
        data = document.file.read() if hasattr(document, "file") else b""
        caption = params.get("caption", "")
        return self._record(
            "sendDocument", params, caption, document_name=name, document_bytes=data
        )

    async def _api_sendVoice(self, params: dict[str, Any]) -> web.Response:
        voice = params["voice"]
        data = voice.file.read() if hasattr(voice, "file") else b""
        return self._record("sendVoice", params, params.get("caption", ""), voice_bytes=data)

    async def _api_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        if self.reject_photos:
            return _error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        photo = params["photo"]
        data = photo.file.read() if hasattr(photo, "file") else b""
        return self._record("sendPhoto", params, params.get("caption", ""), photo_bytes=len(data))

    async def _api_editMessageText(self, params: dict[str, Any]) -> web.Response:
        found = self._find(params)
        if found is not None and found.method != "sendMessage":
            return _error(400, "Bad Request: there is no text in the message to edit")
        return self._edit(params, params["text"])

    async def _api_editMessageCaption(self, params: dict[str, Any]) -> web.Response:
        found = self._find(params)
        if found is not None and found.method == "sendMessage":
            return _error(400, "Bad Request: there is no caption in the message to edit")
        return self._edit(params, params.get("caption", ""))

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> web.Response:
        return self._edit(params, None)

    def _edit(self, params: dict[str, Any], text: str | None) -> web.Response:
        found = self._find(params)
        if found is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if (text is None or text == found.text) and markup == found.params.get("reply_markup"):
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        if text is not None:
            found.text = text
        found.params["reply_markup"] = markup
        self.edits.append(Sent(found.method, found.chat_id, found.message_id, found.text, params))
        self.log.append(replace(found, params=dict(found.params), edited=True))
        return _ok(self._message(found.method, found.chat_id, found.message_id, found.text))

    async def _api_deleteMessage(self, params: dict[str, Any]) -> web.Response:
        found = self._find(params)
        if found is None:
            return _error(400, "Bad Request: message to delete not found")
        self.sent.remove(found)
        self.deleted.append((found.chat_id, found.message_id))
        return _ok(True)

    def _find(self, params: dict[str, Any]) -> Sent | None:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        return next(
            (s for s in self.sent if s.chat_id == chat_id and s.message_id == message_id), None
        )

    async def _api_sendChatAction(self, params: dict[str, Any]) -> web.Response:
        self.actions.append((int(params["chat_id"]), params["action"]))
        return _ok(True)

    async def _api_getFile(self, params: dict[str, Any]) -> web.Response:
        file_id = params["file_id"]
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        data = self.files[file_id]
        if len(data) > MAX_DOWNLOAD:
            return _error(400, "Bad Request: file is too big")
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(data),
                "file_path": f"documents/{file_id}.bin",
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        file_id = request.match_info["path"].removeprefix("documents/").removesuffix(".bin")
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    def _record(self, method: str, params: dict[str, Any], text: str, **extra: Any) -> web.Response:
        if self.retry_after:
            return _error(429, "Too Many Requests", {"retry_after": self.retry_after.pop(0)})
        chat_id = int(params["chat_id"])
        if self.enforce_limits and (wait := self._over_limit(chat_id)):
            self.rejected += 1
            return _error(429, "Too Many Requests", {"retry_after": wait})
        if chat_id in self.not_started:
            return _error(403, "Forbidden: bot can't initiate conversation with a user")
        if chat_id in self.migrated:
            return _error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        message_id = next(self._ids)
        self.sent.append(Sent(method, chat_id, message_id, text, {**params, **extra}))
        self.log.append(replace(self.sent[-1], params=dict(self.sent[-1].params)))
        self._new_sent.set()
        return _ok(self._message(method, chat_id, message_id, text))

    def _message(self, method: str, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The Message object Telegram answers a send or an edit with."""
        chat = (
            {"id": chat_id, "type": "private", "first_name": "x"}
            if chat_id > 0
            else {"id": chat_id, "type": "group", "title": "g"}
        )
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT,
        }
        if method == "sendDocument":
            message["document"] = {"file_id": f"f{message_id}", "file_unique_id": f"u{message_id}"}
        elif method == "sendVoice":
            voice = {"file_id": f"f{message_id}", "file_unique_id": f"u{message_id}", "duration": 1}
            message["voice"] = voice
        elif method == "sendPhoto":
            message["photo"] = [_photo_size(f"f{message_id}", 1)]
        else:
            message["text"] = text
        if method != "sendMessage" and text:
            message["caption"] = text
        return message

    def _over_limit(self, chat_id: int) -> int:
        """Telegram's limits: 1 a second per chat, 20 a minute per group (seconds to wait)."""
        now = time.monotonic()
        times = [t for t in self._times.get(chat_id, []) if t > now - 60]
        if times and times[-1] > now - 0.95:  # a little slack for the clocks' grain
            return 1
        if chat_id < 0 and len(times) >= 20:
            return int(times[0] + 60 - now) + 1
        self._times[chat_id] = [*times, now]
        return 0


_HTML_TOKEN = re.compile(r"<(/?)([a-z-]+)>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]")
_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre"}


def as_shown(markup: str) -> str:
    """Telegram's HTML parse mode, strictly: what the reader sees, or ValueError.

    Only Telegram's tags and entities are markup; every other <, > and & must be escaped."""
    shown: list[str] = []
    open_tags: list[str] = []
    position = 0
    for token in _HTML_TOKEN.finditer(markup):
        shown.append(markup[position : token.start()])
        position = token.end()
        text = token.group(0)
        closing, tag = token.group(1), token.group(2)
        if tag is not None:
            if tag not in _HTML_TAGS:
                raise ValueError(f'unsupported start tag "{tag}"')
            if not closing:
                open_tags.append(tag)
            elif not open_tags or open_tags.pop() != tag:
                raise ValueError(f'unmatched end tag "{tag}"')
        elif text.startswith("&") and text.endswith(";"):
            shown.append(html.unescape(text))
        else:
            raise ValueError(f"unescaped {text!r}")
    if open_tags:
        raise ValueError(f'unclosed start tag "{open_tags[-1]}"')
    shown.append(markup[position:])
    return "".join(shown)


def _photo_size(file_id: str, size: int) -> dict[str, Any]:
    return {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "width": 640,
        "height": 480,
        "file_size": size,
    }


def _field(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        return json.loads(value)
    return value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)

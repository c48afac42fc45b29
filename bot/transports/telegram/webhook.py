"""Telegram's webhook: an HTTP endpoint that Telegram posts each update to.

An update is answered 200 only once it is recorded in the inbox; on any other answer
Telegram sends it again later, so nothing is lost, and the inbox skips what it has.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; anything larger is not Telegram


class WebhookReceiver:
    def __init__(
        self,
        address: tuple[str, int],
        path: str,
        secret: str,
        record: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        self._address = address
        self._path = path
        self._secret = secret.encode()
        self._record = record
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; raises OSError if the address is taken or not this machine's."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self._path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        host, port = self._address
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("telegram webhook: a request without the right secret was refused")
            return web.Response(status=403)
        try:
            update = await request.json()
            int(update["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)
        try:
            await self._record(update)
        except Exception:  # the database, say: Telegram tries again
            log.exception("telegram webhook: could not record update")
            return web.Response(status=503)
        return web.Response(status=200)

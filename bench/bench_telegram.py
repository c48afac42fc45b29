"""Telegram transport benchmark against the fake Bot API on loopback.

    .venv/bin/python bench/bench_telegram.py            # throughput and latency
    .venv/bin/python bench/bench_telegram.py --burst    # + 100 replies to one group (5 min)

Throughput and latency run with our flood limits switched off (the fake has none), so they
measure the bot, not Telegram's 30 messages a second. The fake runs in a process of its own
(bench/telegram_fake_server.py), so that its CPU does not count against the bot; it times
each measure where the replies arrive. Figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import open_core  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import DatabaseSettings, NetworkSettings, Settings, TelegramSettings  # noqa: E402
from bot.events import Event  # noqa: E402
from bot.transports.telegram.limits import SendLimits  # noqa: E402
from bot.transports.telegram.transport import TelegramTransport  # noqa: E402
from handlers import capabilities  # noqa: E402
from tests.telegram_fake import TOKEN  # noqa: E402


class NoLimits(SendLimits):
    def wait(self, chat_id: int, group: bool) -> float:
        return 0.0


async def run(directory: Path, burst: bool) -> None:
    async with fake_server(burst) as (base_url, control):
        await run_bot(directory, burst, base_url, control)


@asynccontextmanager
async def fake_server(enforce_limits: bool) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """The fake Bot API in its own process (its CPU is not the bot's), stopped by its pid."""
    command = [sys.executable, str(Path(__file__).with_name("telegram_fake_server.py"))]
    if enforce_limits:
        command.append("--enforce-limits")
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        base_url = (await process.stdout.readline()).decode().strip()
        if not base_url:
            raise RuntimeError("the fake Bot API did not start")
        origin = base_url.removesuffix("/bot")
        async with httpx.AsyncClient(base_url=origin, timeout=None) as control:
            yield base_url, control
    finally:
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        await process.wait()


async def run_bot(directory: Path, burst: bool, base_url: str, control: httpx.AsyncClient) -> None:
    settings = Settings(
        network=NetworkSettings(coordinators=("telegram:1",)),
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{directory}/bench.db"),
    )
    telegram = TelegramSettings(
        enabled=True, token=TOKEN, base_url=base_url, base_file_url=base_url
    )
    limits: SendLimits = SendLimits() if burst else NoLimits()
    transport = TelegramTransport(telegram, poll_timeout=10, limits=limits)
    core = await open_core(settings, SystemClock(), {"telegram": transport}, capabilities())

    async def handle(event: Event) -> None:  # as the app does (bot/app.py)
        await core.dispatcher.handle(event)
        await core.sender.drain()

    sender = asyncio.create_task(core.sender.run())
    await transport.start(handle, core.store)
    try:
        if burst:
            await group_burst(control)
        else:
            await throughput(control, 1000)
            await latency(control, 200)
    finally:
        await transport.stop()
        sender.cancel()  # and wait for it: it may hold a connection that must be closed first
        with suppress(asyncio.CancelledError):
            await sender
        await core.close()


async def throughput(control: httpx.AsyncClient, count: int) -> None:
    elapsed = (await control.post("/control/throughput", json={"count": count})).json()["seconds"]
    print(
        f"throughput: {count} updates in, {count} replies out in {elapsed:.2f} s "
        f"= {count / elapsed:.0f} updates/s"
    )


async def latency(control: httpx.AsyncClient, count: int) -> None:
    timings = [(await control.post("/control/roundtrip")).json()["ms"] for _ in range(count)]
    timings.sort()
    print(
        f"latency, update in to reply at the server: median {statistics.median(timings):.1f} ms, "
        f"p99 {timings[int(count * 0.99) - 1]:.1f} ms"
    )


async def group_burst(control: httpx.AsyncClient) -> None:
    result = (await control.post("/control/burst")).json()
    elapsed = result["seconds"]
    print(
        f"burst: 100 replies to one group in {elapsed:.0f} s "
        f"({100 / elapsed * 60:.1f} a minute), 429 answers: {result['rejected']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), args.burst))


if __name__ == "__main__":
    main()

"""Telegram transport benchmark against the fake Bot API on loopback.

    .venv/bin/python bench/bench_telegram.py            # throughput and latency
    .venv/bin/python bench/bench_telegram.py --burst    # + 100 replies to one group (5 min)

Throughput and latency run with our flood limits switched off (the fake has none), so they
measure the bot, not Telegram's 30 messages a second. Figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import open_core  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import DatabaseSettings, NetworkSettings, Settings, TelegramSettings  # noqa: E402
from bot.events import Event  # noqa: E402
from bot.transports.telegram.limits import SendLimits  # noqa: E402
from bot.transports.telegram.transport import TelegramTransport  # noqa: E402
from handlers import capabilities  # noqa: E402
from tests.telegram_fake import TOKEN, FakeBotAPI  # noqa: E402


class NoLimits(SendLimits):
    def wait(self, chat_id: int, group: bool) -> float:
        return 0.0


async def run(directory: Path, burst: bool) -> None:
    fake = FakeBotAPI(enforce_limits=burst)
    base_url = await fake.start()
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

    async def handle(event: Event) -> None:
        await core.dispatcher.handle(event)
        await core.sender.drain()

    sender = asyncio.create_task(core.sender.run())
    await transport.start(handle, core.store)
    try:
        if burst:
            await group_burst(fake)
        else:
            await throughput(fake, 1000)
            await latency(fake, 200)
    finally:
        sender.cancel()
        await transport.stop()
        await core.close()
        await fake.stop()


async def wait_for(fake: FakeBotAPI, count: int) -> None:
    while len(fake.sent) < count:
        await asyncio.sleep(0.001)


async def throughput(fake: FakeBotAPI, count: int) -> None:
    people = [fake.user(100_000 + n, f"p{n}") for n in range(count)]
    started = time.perf_counter()
    for person in people:
        fake.message(person, fake.private(person), "/start")
    await wait_for(fake, count)
    elapsed = time.perf_counter() - started
    print(
        f"throughput: {count} updates in, {count} replies out in {elapsed:.2f} s "
        f"= {count / elapsed:.0f} updates/s"
    )


async def latency(fake: FakeBotAPI, count: int) -> None:
    ben = fake.user(7, "Ben")
    timings = []
    for _ in range(count):
        before = len(fake.sent)
        started = time.perf_counter()
        fake.message(ben, fake.private(ben), "/whoami")
        await wait_for(fake, before + 1)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(
        f"latency, update in to reply at the server: median {statistics.median(timings):.1f} ms, "
        f"p99 {timings[int(count * 0.99) - 1]:.1f} ms"
    )


async def group_burst(fake: FakeBotAPI) -> None:
    anna = fake.user(1, "Anna")
    group = fake.group(-100, "Plenum")
    started = time.perf_counter()
    for _ in range(100):
        fake.message(anna, group, "/start")
    await wait_for(fake, 100)
    elapsed = time.perf_counter() - started
    print(
        f"burst: 100 replies to one group in {elapsed:.0f} s "
        f"({100 / elapsed * 60:.1f} a minute), 429 answers: {fake.rejected}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), args.burst))


if __name__ == "__main__":
    main()

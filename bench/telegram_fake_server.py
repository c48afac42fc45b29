"""The fake Bot API in a process of its own, for bench/bench_telegram.py.

    python bench/telegram_fake_server.py [--enforce-limits]

In the benchmark's own process the fake's CPU (aiohttp parsing the bot's requests and
building the answers) counted against the bot; here it runs beside it. Serves on a free
port of 127.0.0.1 only and prints its base URL as the first line of stdout; runs until it
is terminated. Besides the Bot API it answers the benchmark's control routes, each of
which does people's part and times it here, where the replies arrive:

    POST /control/throughput  {"count": n}  n new people send /start; {"seconds": ...}
    POST /control/roundtrip                 one /whoami, waited for; {"ms": ...}
    POST /control/burst                     100 /start in one group; {"seconds", "rejected"}
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.telegram_fake import FakeBotAPI  # noqa: E402


def control_routes(fake: FakeBotAPI) -> list[web.RouteDef]:
    async def throughput(request: web.Request) -> web.Response:
        count = int((await request.json())["count"])
        people = [fake.user(100_000 + n, f"p{n}") for n in range(count)]
        expected = len(fake.sent) + count
        started = time.perf_counter()
        for person in people:
            fake.message(person, fake.private(person), "/start")
        await fake.wait_sent(expected)
        return web.json_response({"seconds": time.perf_counter() - started})

    async def roundtrip(request: web.Request) -> web.Response:
        ben = fake.user(7, "Ben")
        expected = len(fake.sent) + 1
        started = time.perf_counter()
        fake.message(ben, fake.private(ben), "/whoami")
        await fake.wait_sent(expected)
        return web.json_response({"ms": (time.perf_counter() - started) * 1000})

    async def burst(request: web.Request) -> web.Response:
        anna = fake.user(1, "Anna")
        group = fake.group(-100, "Plenum")
        expected = len(fake.sent) + 100
        started = time.perf_counter()
        for _ in range(100):
            fake.message(anna, group, "/start")
        await fake.wait_sent(expected)
        seconds = time.perf_counter() - started
        return web.json_response({"seconds": seconds, "rejected": fake.rejected})

    return [
        web.post("/control/throughput", throughput),
        web.post("/control/roundtrip", roundtrip),
        web.post("/control/burst", burst),
    ]


async def serve(enforce_limits: bool) -> None:
    # The bot's last long poll is cut off when it stops: not an error worth a trace.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    fake = FakeBotAPI(enforce_limits=enforce_limits)
    base_url = await fake.start(control_routes(fake))
    print(base_url, flush=True)
    await asyncio.Event().wait()  # until terminated


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enforce-limits", action="store_true")
    args = parser.parse_args()
    asyncio.run(serve(args.enforce_limits))


if __name__ == "__main__":
    main()

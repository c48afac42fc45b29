"""Benchmarks for the spine: per-command latency, start-up time, idle memory.

    .venv/bin/python bench/bench_spine.py

Figures go to bench/README.md. Everything runs on this machine; nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiosqlite

from bot.config import DatabaseSettings, Settings
from bot.transports.console.script import ConsoleSession
from handlers import capabilities

COMMANDS = 1000
PEOPLE = [f"p{n}" for n in range(10)]
MIX = [
    "/help",
    "/whoami",
    "/members",
    "/circles",
    "/start",
    "/language en",
    "/language de",
    "/frobnicate",
    "/setup Plenum",
    "/coordinator add @p1",
    "Hallo zusammen",
]


async def command_latency(directory: Path) -> list[float]:
    settings = Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{directory}/b.db"))
    session = ConsoleSession(settings, capabilities(), lambda _line: None)
    await session.start()
    try:
        await session.say("anna", "plenum", "/setup Plenum")
        timings = []
        script = itertools.cycle(itertools.product(PEOPLE, MIX))
        for _, (person, text) in zip(range(COMMANDS), script, strict=False):
            channel = "plenum" if len(timings) % 3 else None
            started = time.perf_counter()
            await session.say(person, channel, text)  # dispatch, commit, deliver
            timings.append(time.perf_counter() - started)
        return timings
    finally:
        await session.close()


def start_chat(directory: Path) -> subprocess.Popen[str]:
    """Start `netzwerkbot chat` and return once its prompt text is on screen."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat"],
        cwd=directory,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    while "!help shows this" not in process.stdout.readline():
        pass
    return process


def stop_chat(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()  # end of input ends the chat
    process.wait(timeout=30)


async def aiosqlite_round_trip_ms(directory: Path) -> float:
    """The machine's yardstick: one `SELECT 1` through aiosqlite, with no ORM around it."""
    async with aiosqlite.connect(directory / "yardstick.db") as db:
        calls = 1000
        started = time.perf_counter()
        for _ in range(calls):
            async with db.execute("SELECT 1") as cursor:
                await cursor.fetchall()
        return (time.perf_counter() - started) * 1000 / calls


def chat_ready_seconds(directory: Path) -> float:
    """From process start until the prompt is on screen, with an existing database."""
    subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=directory,
        check=True,
        capture_output=True,
    )
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        process = start_chat(directory)
        timings.append(time.perf_counter() - started)
        stop_chat(process)
    return statistics.median(timings)


def idle_rss_mb(directory: Path) -> float:
    process = start_chat(directory)
    time.sleep(2)  # let start-up garbage settle before measuring an idle bot
    status = Path(f"/proc/{process.pid}/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    stop_chat(process)
    return rss_kb / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        timings = asyncio.run(command_latency(directory))
        ms = sorted(t * 1000 for t in timings)
        p99 = ms[int(len(ms) * 0.99) - 1]
        print(
            f"commands: {len(ms)}, median {statistics.median(ms):.2f} ms, "
            f"p99 {p99:.2f} ms, max {ms[-1]:.2f} ms"
        )
        yardstick = asyncio.run(aiosqlite_round_trip_ms(directory))
        print(f"yardstick: aiosqlite SELECT 1 takes {yardstick:.2f} ms on this machine now")
        print(f"netzwerkbot chat ready in {chat_ready_seconds(directory):.2f} s (median of 5)")
        print(f"idle resident memory: {idle_rss_mb(directory):.1f} MB")


if __name__ == "__main__":
    main()

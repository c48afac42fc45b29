"""Matrix transport benchmark against a throwaway Synapse on loopback.

    .venv/bin/python bench/bench_matrix.py

Needs Synapse in .venv-synapse (scripts/setup-synapse). The script starts Synapse on
127.0.0.1, registers a person and the bots, and stops everything it started by its pid;
nothing leaves loopback. It measures, in one run:

- latency: 200 commands from a person's matrix-nio client, one at a time, each timed from
  the send until the bot's reply has arrived at that client (the person sends, then syncs
  until the reply is there), to a trivial matrix-nio echo bot (the floor) and to
  netzwerkbot (bot.app.run with the Matrix transport and SQLite), alternately, so that the
  machine's drift hits both alike. Unencrypted direct chats;
- start to first answer: a command waits in the room while netzwerkbot is down; from the
  start of bot.app.run (open_core, then the transport's start with the login kept from the
  last start) until its reply arrives at the person;
- idle resident memory of `netzwerkbot run` with only Matrix enabled, and with Telegram
  (against bench/telegram_fake_server.py) and Matrix.

Each bot runs in a process of its own (this script with --serve), as it would beside its
people in real life: the person's client does not share the bot's event loop. Figures go
to bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
    UploadFilterResponse,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bot import app  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.inbox import TransportStore  # noqa: E402
from bot.transports import EventHandler  # noqa: E402
from bot.transports.matrix.transport import MatrixTransport  # noqa: E402
from handlers import capabilities  # noqa: E402
from tests.synapse import Account, Homeserver, register, throwaway_synapse  # noqa: E402
from tests.telegram_fake import TOKEN  # noqa: E402

COMMANDS = 200
WARM_UP = 10
COMMAND = "/whoami"
RESTARTS = 3
IDLE_SECONDS = 2.5  # after the transports are started, before reading the memory
PASSWORD = "a-password-for-the-benchmark"
DEADLINE = 30.0  # seconds; only a broken run waits this long
LONG_POLL_MS = 30_000
SCRIPT = Path(__file__).resolve()
FAKE_BOT_API = SCRIPT.with_name("telegram_fake_server.py")


def lean_filter(user_id: str) -> dict[str, Any]:
    """Timelines only, without one's own events: a sync returns when someone else speaks."""
    return {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"limit": 1000, "not_senders": [user_id]},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
            "state": {"lazy_load_members": True},
        },
    }


async def uploaded_filter(client: AsyncClient) -> str:
    uploaded = await client.upload_filter(**lean_filter(str(client.user_id)))
    assert isinstance(uploaded, UploadFilterResponse), uploaded
    return uploaded.filter_id


def plain_client(homeserver: str, account: Account) -> AsyncClient:
    config = AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False)
    client = AsyncClient(homeserver, config=config)
    client.restore_login(account.user_id, account.device_id, account.access_token)
    return client


# --- the person ------------------------------------------------------------------------


@dataclass
class Person:
    """Someone in Element, as far as timing needs: a matrix-nio client without encryption."""

    client: AsyncClient
    sync_filter: str  # uploaded once, as Element does

    @classmethod
    async def start(cls, homeserver: Homeserver, account: Account) -> Person:
        client = plain_client(homeserver.base_url, account)
        person = cls(client, await uploaded_filter(client))
        await person.sync(timeout_ms=0)  # from now on
        return person

    async def sync(self, timeout_ms: int = LONG_POLL_MS) -> SyncResponse:
        response = await self.client.sync(timeout=timeout_ms, sync_filter=self.sync_filter)
        assert isinstance(response, SyncResponse), response
        return response

    async def open_direct_chat(self, bot_id: str) -> str:
        """A direct chat with the bot, returned once the bot has joined it."""
        created = await self.client.room_create(is_direct=True, invite=[bot_id])
        assert isinstance(created, RoomCreateResponse), created
        deadline = time.monotonic() + DEADLINE
        while True:
            assert time.monotonic() < deadline, f"{bot_id} never joined"
            joined = (await self.sync()).rooms.join.get(created.room_id)
            for event in joined.timeline.events if joined else ():
                source = event.source
                membership = source.get("content", {}).get("membership")
                if source.get("state_key") == bot_id and membership == "join":
                    return created.room_id

    async def say(self, room_id: str, text: str) -> str:
        content = {"msgtype": "m.text", "body": text}
        sent = await self.client.room_send(room_id, "m.room.message", content)
        assert isinstance(sent, RoomSendResponse), sent
        return sent.event_id

    async def answer(self, room_id: str) -> None:
        """Sync until the bot has said something in the room. One command at a time, so
        that is the answer to the last one (netzwerkbot's answers in a direct chat do not
        quote the command)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            assert time.monotonic() < deadline, f"no answer in {room_id}"
            joined = (await self.sync()).rooms.join.get(room_id)
            for event in joined.timeline.events if joined else ():
                if event.source.get("type") == "m.room.message":
                    return

    async def ask(self, room_id: str, text: str) -> float:
        """Seconds from sending `text` until the answer to it has arrived."""
        started = time.perf_counter()
        await self.say(room_id, text)
        await self.answer(room_id)
        return time.perf_counter() - started


# --- the bots, each in a process of its own --------------------------------------------


async def serve_echo(spec: dict[str, Any]) -> None:
    """The floor: sync with a long poll, answer each m.text with an m.notice echo."""
    account = Account(spec["user_id"], spec["access_token"], spec["device_id"])
    client = plain_client(spec["homeserver"], account)
    try:
        sync_filter = await uploaded_filter(client)
        await client.sync(timeout=0, sync_filter=sync_filter)  # from now on
        report(ready=time.monotonic())
        while True:
            response = await client.sync(timeout=LONG_POLL_MS, sync_filter=sync_filter)
            if not isinstance(response, SyncResponse):
                continue
            for room_id in response.rooms.invite:
                await client.join(room_id)
            for room_id, joined in response.rooms.join.items():
                for event in joined.timeline.events:
                    if isinstance(event, RoomMessageText):
                        content = {
                            "msgtype": "m.notice",
                            "body": event.body,
                            "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
                        }
                        await client.room_send(room_id, "m.room.message", content)
    finally:
        await client.close()


class TimedMatrixTransport(MatrixTransport):
    """The Matrix transport, reporting when its start begins and ends."""

    def __init__(self, *args: Any, started: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._started = started

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        begun = time.monotonic()
        await super().start(on_event, store)
        report(started=self._started, transport_begun=begun, ready=time.monotonic())


async def serve_netzwerkbot(spec: dict[str, Any], stop: asyncio.Event) -> None:
    """netzwerkbot as `netzwerkbot run` runs it (bot.app.run), from the benchmark's config."""
    settings = load_settings(Path(spec["config"]))
    profiler = None
    if spec.get("profile"):
        from pyinstrument import Profiler  # only for --profile

        profiler = Profiler(async_mode="disabled")
        profiler.start()
    started = time.monotonic()
    transport = TimedMatrixTransport(settings.matrix, started=started)
    await app.run(settings, SystemClock(), [transport], capabilities(), stop)
    if profiler:
        session = profiler.stop()
        session.save(spec["profile"])  # pyinstrument --load FILE shows it


def report(**times: float) -> None:
    print(json.dumps(times), flush=True)


async def serve(kind: str, spec: dict[str, Any]) -> None:
    """Run a bot until SIGTERM."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if kind == "netzwerkbot":
        await serve_netzwerkbot(spec, stop)
        return
    echo = asyncio.create_task(serve_echo(spec))
    await stop.wait()
    echo.cancel()
    with suppress(asyncio.CancelledError):
        await echo


@dataclass(frozen=True)
class BotProcess:
    pid: int
    times: dict[str, float]  # what it reported when ready (time.monotonic())


@asynccontextmanager
async def bot_process(kind: str, spec: dict[str, Any]) -> AsyncIterator[BotProcess]:
    """This script serving `kind`, once it is ready; stopped by its pid."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        "--serve",
        kind,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(spec).encode() + b"\n")  # not on the command line
        await process.stdin.drain()
        process.stdin.close()
        line = await asyncio.wait_for(process.stdout.readline(), DEADLINE)
        if not line:
            raise RuntimeError(f"the {kind} bot did not start")
        yield BotProcess(process.pid, json.loads(line))
    finally:
        await stop_process(process)


async def stop_process(process: asyncio.subprocess.Process) -> None:
    with suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), DEADLINE)
    except TimeoutError:
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        await process.wait()


# --- the measures ----------------------------------------------------------------------


@dataclass
class Latency:
    echo: list[float]  # seconds, per command
    bot: list[float]
    cpu_ms: tuple[float, float, float]  # per command: echo bot, netzwerkbot, Synapse


@dataclass
class Bench:
    directory: Path
    homeserver: Homeserver
    person: Person
    echo: Account
    bot_id: str
    bot_room: str = ""  # the direct chat with netzwerkbot, once latency() opened it

    @property
    def config(self) -> Path:
        return self.directory / "config.toml"

    def write_config(self, path: Path, telegram_url: str | None = None) -> None:
        """netzwerkbot's config: Matrix, and Telegram if a Bot API is given."""
        person = self.person.client.user_id
        values: dict[str, dict[str, Any]] = {
            "network": {"coordinators": [f"matrix:{person}"]},
            "database": {"url": f"sqlite+aiosqlite:///{self.directory}/netzwerkbot.db"},
            "logging": {"level": "INFO"},
            "matrix": {
                "enabled": True,
                "homeserver": self.homeserver.base_url,
                "user_id": self.bot_id,
                "password": PASSWORD,
                "invite_allowlist": [person],
                "store_dir": str(self.directory / "matrix-store"),
            },
        }
        if telegram_url:
            values["telegram"] = {
                "enabled": True,
                "token": TOKEN,
                "base_url": telegram_url,
                "base_file_url": telegram_url,
            }
        path.write_text(toml(values))

    async def latency(self, profile: Path | None) -> Latency:
        """Alternately to the echo bot and to netzwerkbot (its first start: a new login)."""
        echo_spec = {"homeserver": self.homeserver.base_url, **self.echo._asdict()}
        bot_spec = {"config": str(self.config), "profile": str(profile) if profile else ""}
        async with (
            bot_process("echo", echo_spec) as echo,
            bot_process("netzwerkbot", bot_spec) as bot,
        ):
            echo_room = await self.person.open_direct_chat(self.echo.user_id)
            self.bot_room = await self.person.open_direct_chat(self.bot_id)
            for _ in range(WARM_UP):
                await self.person.ask(echo_room, COMMAND)
                await self.person.ask(self.bot_room, COMMAND)
            pids = (echo.pid, bot.pid, synapse_pid())
            cpu_before = [cpu_seconds(pid) for pid in pids]
            result = Latency([], [], (0.0, 0.0, 0.0))
            for _ in range(COMMANDS):
                result.echo.append(await self.person.ask(echo_room, COMMAND))
                result.bot.append(await self.person.ask(self.bot_room, COMMAND))
            used = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before, strict=True)]
            echo_cpu, bot_cpu, synapse_cpu = used
            result.cpu_ms = (
                echo_cpu * 1000 / COMMANDS,
                bot_cpu * 1000 / COMMANDS,
                synapse_cpu * 1000 / (2 * COMMANDS),
            )
        return result

    async def restart(self) -> tuple[float, float, float]:
        """A command waits while netzwerkbot is down; then it starts with the kept login.
        Seconds from the start of bot.app.run to: the transport's start, its end, the
        answer at the person."""
        await self.person.say(self.bot_room, COMMAND)
        async with bot_process("netzwerkbot", {"config": str(self.config)}) as bot:
            await self.person.answer(self.bot_room)
            answered = time.monotonic()
        times = bot.times
        started = times["started"]
        return times["transport_begun"] - started, times["ready"] - started, answered - started

    async def idle_rss_mib(self, telegram: bool) -> float:
        """`netzwerkbot run` with Matrix (and Telegram), idle after its start."""
        if not telegram:
            return await self._idle_rss_mib(self.config, ("matrix",))
        async with fake_bot_api() as base_url:
            config = self.directory / "config-telegram.toml"
            self.write_config(config, telegram_url=base_url)
            return await self._idle_rss_mib(config, ("matrix", "telegram"))

    async def _idle_rss_mib(self, config: Path, platforms: Sequence[str]) -> float:
        log = self.directory / "run.log"
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(config),
                "run",
                cwd=self.directory,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
            )
        try:
            markers = [f"{platform} transport started" for platform in platforms]
            deadline = time.monotonic() + DEADLINE
            while not all(marker in log.read_text() for marker in markers):
                if process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"netzwerkbot run did not start:\n{log.read_text()}")
                await asyncio.sleep(0.05)
            await asyncio.sleep(IDLE_SECONDS)
            return vm_rss_kib(process.pid) / 1024
        finally:
            await stop_process(process)


@asynccontextmanager
async def fake_bot_api() -> AsyncIterator[str]:
    """The fake Bot API (bench/telegram_fake_server.py), stopped by its pid."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(FAKE_BOT_API), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        base_url = (await process.stdout.readline()).decode().strip()
        if not base_url:
            raise RuntimeError("the fake Bot API did not start")
        yield base_url
    finally:
        await stop_process(process)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def synapse_pid() -> int:
    """Synapse is this process's child (tests/synapse.py); found by its command line."""
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"synapse.app.homeserver" in Path(f"/proc/{child}/cmdline").read_bytes():
                return int(child)
    raise RuntimeError("Synapse is not running")


def vm_rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))


def toml(values: dict[str, dict[str, Any]]) -> str:
    """Tables of strings, booleans and lists of strings (JSON's quoting is TOML's)."""
    lines = []
    for table, entries in values.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in entries.items()]
    return "\n".join(lines) + "\n"


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """Median and 99th percentile, in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[int(len(ms) * 0.99) - 1]


async def run(directory: Path, profile: Path | None) -> None:
    (directory / "synapse").mkdir()
    with throwaway_synapse(directory / "synapse") as homeserver:
        accounts = [
            await asyncio.to_thread(register, homeserver, name, PASSWORD)
            for name in ("anna", "echo", "netzwerkbot")
        ]
        person = await Person.start(homeserver, accounts[0])
        bench = Bench(directory, homeserver, person, accounts[1], accounts[2].user_id)
        bench.write_config(bench.config)
        try:
            await measure(bench, profile)
        finally:
            await person.client.close()


async def measure(bench: Bench, profile: Path | None) -> None:
    latency = await bench.latency(profile)
    echo_p50, echo_p99 = percentiles(latency.echo)
    bot_p50, bot_p99 = percentiles(latency.bot)
    echo_cpu, bot_cpu, synapse_cpu = latency.cpu_ms
    print(f"latency, {COMMANDS} x {COMMAND} sent to answer arrived, alternately:")
    print(f"  echo bot (matrix-nio)  median {echo_p50:5.1f} ms, p99 {echo_p99:5.1f} ms")
    print(f"  netzwerkbot            median {bot_p50:5.1f} ms, p99 {bot_p99:5.1f} ms")
    # Each netzwerkbot command right after an echo one: their difference drifts less.
    paired = statistics.median(b - e for b, e in zip(latency.bot, latency.echo, strict=True))
    print(
        f"  netzwerkbot - echo: medians {bot_p50 - echo_p50:+.1f} ms, median of pairs "
        f"{paired * 1000:+.1f} ms (target <= 8); p99 {bot_p99:.1f} ms (target < 100)"
    )
    print(
        f"  CPU per command: echo bot {echo_cpu:.1f} ms, netzwerkbot {bot_cpu:.1f} ms, "
        f"Synapse {synapse_cpu:.1f} ms (per command, either bot)"
    )
    restarts = [await bench.restart() for _ in range(RESTARTS)]
    print("restart to first answer (the command waiting; kept login), from bot.app.run:")
    for core, connected, answered in restarts:
        print(
            f"  core and scheduler {core:.2f} s, Matrix connected {connected:.2f} s, "
            f"answer arrived {answered:.2f} s"
        )
    median = statistics.median(answered for _, _, answered in restarts)
    print(f"  median {median:.2f} s (target < 0.8 s)")
    matrix = await bench.idle_rss_mib(telegram=False)
    print(f"idle resident memory, netzwerkbot run, Matrix: {matrix:.1f} MiB (target < 60)")
    both = await bench.idle_rss_mib(telegram=True)
    print(f"idle resident memory, Telegram and Matrix: {both:.1f} MiB (target < 100)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=("echo", "netzwerkbot"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile", type=Path, help="save a pyinstrument session of netzwerkbot (latency part)"
    )
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, json.loads(sys.stdin.readline())))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), args.profile.resolve() if args.profile else None))


if __name__ == "__main__":
    main()

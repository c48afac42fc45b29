"""A throwaway Synapse homeserver for the test session, on loopback, stopped by its pid.

Synapse lives in its own virtual environment (.venv-synapse, made by scripts/setup-synapse)
because it is large and pins dependencies of its own; the tests only talk to it over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from bot.paths import ROOT
from tests.ports import free_port

PYTHON = ROOT / ".venv-synapse" / "bin" / "python"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

# The tests send messages, log in and join rooms far faster than any person; Synapse's
# defaults (a message every 5 s after a burst of 10, say) would make them flaky or slow.
FAST = {"per_second": 1000, "burst_count": 10000}
RATE_LIMITS: dict[str, Any] = {
    "rc_message": FAST,
    "rc_registration": FAST,
    "rc_login": {"address": FAST, "account": FAST, "failed_attempts": FAST},
    "rc_joins": {"local": FAST, "remote": FAST},
    "rc_joins_per_room": FAST,
    "rc_invites": {"per_room": FAST, "per_user": FAST, "per_issuer": FAST},
    "rc_3pid_validation": FAST,
    "rc_third_party_invite": FAST,
    "rc_admin_redaction": FAST,
    "rc_media_create": FAST,
    "rc_presence": {"per_user": FAST},
    "rc_delayed_event_mgmt": FAST,
    "rc_room_creation": FAST,
    "rc_reports": FAST,
    "rc_user_directory": FAST,
    "rc_profile": FAST,
    "rc_key_requests": FAST,
}


@dataclass(frozen=True)
class Homeserver:
    base_url: str  # http://127.0.0.1:PORT
    server_name: str  # the part after the colon in @user:server_name
    shared_secret: str  # for the shared-secret registration admin API
    pid: int  # its process, for its CPU time (the benchmarks)


def is_installed() -> bool:
    return PYTHON.is_file()


# No proxy, whatever the environment says: test traffic goes to 127.0.0.1 and nowhere else.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _request(
    url: str,
    body: dict[str, Any] | None = None,
    timeout: float = 10.0,
    token: str | None = None,
    method: str | None = None,
) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with _OPENER.open(request, timeout=timeout) as response:
        return json.load(response)


def _signing_key() -> str:
    # Synapse's key file format ("ed25519 <version> <unpadded base64 seed>"); any 32 random
    # bytes are a valid ed25519 seed. Writing it ourselves saves the ~2 s that a second
    # Synapse start with --generate-keys would cost.
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"ed25519 a_test {seed}\n"


def _config(
    directory: Path, port: int, server_name: str, shared_secret: str, limits: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "server_name": server_name,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "report_stats": False,
        # Only the client API (which also serves /_synapse/admin): no federation listener.
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "log_config": str(directory / "log.yaml"),
        "media_store_path": str(directory / "media_store"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": shared_secret,
        "macaroon_secret_key": secrets.token_hex(32),
        "form_secret": secrets.token_hex(32),
        # Nothing may leave the machine: no key servers, no URL previews, no phoning home.
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "url_preview_enabled": False,
        "enable_metrics": False,
        # Every password hash at the default 12 rounds costs ~0.25 s of a core.
        "bcrypt_rounds": 4,
        "presence": {"enabled": False},
        **limits,
    }


def _log_config(directory: Path) -> dict[str, Any]:
    return {
        "version": 1,
        "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "formatter": "plain",
                "filename": str(directory / "homeserver.log"),
            }
        },
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def _write(
    directory: Path, port: int, server_name: str, shared_secret: str, limits: Mapping[str, Any]
) -> Path:
    # JSON is YAML, so the config needs no YAML library on our side.
    config = directory / "homeserver.yaml"
    settings = _config(directory, port, server_name, shared_secret, limits)
    config.write_text(json.dumps(settings, indent=1))
    (directory / "log.yaml").write_text(json.dumps(_log_config(directory), indent=1))
    (directory / "signing.key").write_text(_signing_key())
    return config


def _tail(directory: Path, lines: int = 30) -> str:
    parts = []
    for name in ("console.log", "homeserver.log"):
        path = directory / name
        if path.is_file():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {name}\n" + "\n".join(text))
    return "\n".join(parts)


def _wait_until_ready(base_url: str, process: subprocess.Popen[bytes], directory: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Synapse exited during start-up:\n{_tail(directory)}")
        try:
            _request(f"{base_url}/_matrix/client/versions", timeout=1.0)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)  # the server's own start-up, not a test waiting for an event
    raise RuntimeError(f"Synapse did not answer within {START_TIMEOUT:.0f} s:\n{_tail(directory)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def throwaway_synapse(
    directory: Path, server_name: str = "localhost", limits: Mapping[str, Any] = RATE_LIMITS
) -> Iterator[Homeserver]:
    """Start a fresh Synapse with its SQLite database in `directory`; stop it afterwards.
    `limits`: its rate limits (those left out are Synapse's defaults)."""
    port = free_port()
    shared_secret = secrets.token_hex(16)
    config = _write(directory, port, server_name, shared_secret, limits)
    base_url = f"http://127.0.0.1:{port}"
    # Synapse prints start-up failures to stderr before its logging is configured.
    with (directory / "console.log").open("wb") as console:
        process = subprocess.Popen(
            [str(PYTHON), "-m", "synapse.app.homeserver", "-c", str(config)],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(base_url, process, directory)
        yield Homeserver(base_url, server_name, shared_secret, process.pid)
    finally:
        _stop(process)


class Account(NamedTuple):
    """What registration returns; a tuple, so `user_id, token, device_id = register(...)`."""

    user_id: str
    access_token: str
    device_id: str


def register(homeserver: Homeserver, localpart: str, password: str, admin: bool = False) -> Account:
    """Create a user through Synapse's shared-secret registration admin API."""
    url = f"{homeserver.base_url}/_synapse/admin/v1/register"
    nonce = _request(url)["nonce"]
    message = b"\0".join(
        part.encode() for part in (nonce, localpart, password, "admin" if admin else "notadmin")
    )
    mac = hmac.new(homeserver.shared_secret.encode(), message, hashlib.sha1).hexdigest()
    body = {
        "nonce": nonce,
        "username": localpart,
        "password": password,
        "admin": admin,
        "mac": mac,
    }
    reply = _request(url, body)
    return Account(reply["user_id"], reply["access_token"], reply["device_id"])


def limit_messages(
    homeserver: Homeserver, admin: Account, user_id: str, per_second: int | None
) -> None:
    """Give `user_id` a message rate limit of its own (one message, then `per_second`, a
    whole number), or with None take it away again: how a test meets M_LIMIT_EXCEEDED on a
    homeserver whose limits are raised for speed."""
    url = f"{homeserver.base_url}/_synapse/admin/v1/users/{user_id}/override_ratelimit"
    if per_second is None:
        _request(url, token=admin.access_token, method="DELETE")
    else:
        limit = {"messages_per_second": per_second, "burst_count": 1}
        _request(url, limit, token=admin.access_token)

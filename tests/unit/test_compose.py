"""docker-compose.yml and the Dockerfile are not run here (no Docker), so tests keep them
consistent with what the app reads and with each other: parsed, not grepped. What running the
image's entry point as its user does is tested in tests/integration/test_table_store.py."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.settings import ENVIRONMENT, Settings

ROOT = Path(__file__).resolve().parents[2]
WORKER_CMD = ["riskwire", "worker"]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def workers(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {n: s for n, s in compose["services"].items() if s.get("command") == WORKER_CMD}
    assert found, "no service runs `riskwire worker`"
    return found


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def final_stage(text: str) -> list[tuple[str, str]]:
    """The instructions of the Dockerfile's last stage (what the image runs)."""
    instructions = dockerfile_instructions(text)
    starts = [i for i, (op, _) in enumerate(instructions) if op == "FROM"]
    return instructions[starts[-1] :]


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    """The ``ENV key=value ...`` pairs of a stage."""
    env: dict[str, str] = {}
    for op, args in stage:
        if op == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


@pytest.fixture(scope="module")
def image() -> list[tuple[str, str]]:
    return final_stage((ROOT / "Dockerfile").read_text())


def test_services_are_kafka_kraft_redis_and_workers(
    compose: dict[str, Any], workers: dict[str, dict[str, Any]]
) -> None:
    services = compose["services"]
    assert {"kafka", "redis"} <= set(services)
    assert len(workers) >= 2
    kafka_env = services["kafka"]["environment"]
    assert services["kafka"]["image"].startswith("apache/kafka")
    assert "controller" in kafka_env["KAFKA_PROCESS_ROLES"]  # KRaft: no ZooKeeper service
    assert kafka_env["CLUSTER_ID"]  # the log volume is formatted with it: fixed, not a default
    assert "zookeeper" not in services
    assert services["redis"]["image"].startswith("redis")


def test_worker_environment_is_exactly_settings_the_app_reads(
    compose: dict[str, Any], workers: dict[str, dict[str, Any]]
) -> None:
    known = {var for var, _ in ENVIRONMENT.values()}
    for name in [*workers, "topics"]:
        env = compose["services"][name]["environment"]
        unknown = set(env) - known
        assert not unknown, f"{name} sets variables riskwire never reads: {unknown}"
        settings = Settings.from_env(env)  # every value parses and passes the checks
        assert settings.partitions >= len(workers)  # else a worker would idle


def test_worker_addresses_point_at_compose_services(
    compose: dict[str, Any], workers: dict[str, dict[str, Any]]
) -> None:
    services = compose["services"]
    for worker in workers.values():
        settings = Settings.from_env(worker["environment"])
        kafka_listeners = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
        for server in settings.bootstrap_servers:
            host = server.split(":")[0]
            assert host in services, f"broker host {host} is not a compose service"
            assert server in kafka_listeners, f"{server} is not an advertised listener of kafka"
        redis_host = settings.redis_url.split("//", 1)[1].split(":")[0]
        assert redis_host in services
    assert "6379:6379" in services["redis"]["ports"]


def test_worker_health_check_uses_the_configured_web_port(
    workers: dict[str, dict[str, Any]],
) -> None:
    published = []
    for worker in workers.values():
        port = Settings.from_env(worker["environment"]).web_port
        assert str(port) in worker["expose"]
        assert f":{port}/ready" in " ".join(worker["healthcheck"]["test"])
        published += [
            p.rsplit(":", 2)[-2] for p in worker.get("ports", []) if p.endswith(f":{port}")
        ]
    assert len(published) == len(set(published)), "two workers published on one host port"


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> volume name of a service's ``volume:path[:mode]`` entries."""
    return {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", [])}


def test_kafka_keeps_its_log_on_a_volume(compose: dict[str, Any]) -> None:
    """Kafka is the system of record: a broker restart must not lose topics or offsets."""
    kafka = compose["services"]["kafka"]
    log_dir = kafka["environment"]["KAFKA_LOG_DIRS"]
    assert _mounts(kafka).get(log_dir) in compose["volumes"]
    assert "user" not in kafka  # the image's own user (appuser) owns /var/lib/kafka/data
    assert _mounts(compose["services"]["redis"]).get("/data") in compose["volumes"]


def test_each_worker_keeps_its_tables_on_its_own_volume(
    compose: dict[str, Any], workers: dict[str, dict[str, Any]]
) -> None:
    """rocksdb:// tables under RISKWIRE_DATA_DIR, a named volume per worker: RocksDB locks its
    files, so two workers on one volume would wait for each other's tables."""
    volumes = []
    for name, worker in workers.items():
        settings = Settings.from_env(worker["environment"])
        assert settings.store == "rocksdb://", name
        assert settings.data_dir.startswith("/"), name
        volume = _mounts(worker).get(settings.data_dir)
        assert volume in compose["volumes"], f"{name}: {settings.data_dir} is not on a volume"
        volumes.append(volume)
        assert "deploy" not in worker or worker["deploy"].get("replicas", 1) == 1, (
            f"{name}: replicas would share one tables volume"
        )
    assert len(set(volumes)) == len(volumes), "workers share a tables volume"


def test_workers_run_as_the_images_unprivileged_user(
    workers: dict[str, dict[str, Any]], image: list[tuple[str, str]]
) -> None:
    users = [args for op, args in image if op == "USER"]
    assert users, "the image runs as root"
    uid, gid = (int(n) for n in users[-1].split(":"))
    assert uid >= 1000 and gid >= 1000  # a fixed, unprivileged id, not nobody (65534)
    for name, worker in workers.items():
        assert worker["user"] == f"{uid}:{gid}", name
        assert worker["read_only"] is True, name  # writes go to the tables volume only
        assert "ALL" in worker["cap_drop"], name


def test_the_image_owns_its_data_dir_and_runs_the_worker(image: list[tuple[str, str]]) -> None:
    env = env_of(image)
    settings = Settings.from_env(env)
    assert settings.store == "rocksdb://"
    data_dir = settings.data_dir
    uid, gid = [args for op, args in image if op == "USER"][-1].split(":")
    runs = " ".join(args for op, args in image if op == "RUN")
    assert f"install -d -o {uid} -g {gid} -m 0750 {data_dir}" in runs  # made, and the user's
    assert dict(image)["WORKDIR"] == data_dir  # Faust's relative default lands there too
    assert json.loads(dict(image)["CMD"]) == WORKER_CMD
    health = json.loads(dict(image)["HEALTHCHECK"].split(" CMD ", 1)[1])  # exec form
    assert health[:2] == ["python", "-c"] and "/health" in health[2]
    compile(health[2], "HEALTHCHECK", "exec")  # run against a worker: test_table_store.py


def test_the_image_installs_the_production_extra() -> None:
    build = dockerfile_instructions((ROOT / "Dockerfile").read_text())
    installs = [args for op, args in build if op == "RUN" and "pip install" in args]
    assert any("'.[prod]'" in args for args in installs), installs
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert any(dep.startswith("rocksdict") for dep in extras["prod"])


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".venv", ".git", "var", "tests", "*-data"):
        assert path in ignored, path

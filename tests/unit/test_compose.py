"""docker-compose.yml is not run here, so a test keeps it consistent with what the app reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.settings import ENVIRONMENT, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_services_are_kafka_kraft_redis_and_workers(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"kafka", "redis", "worker"} <= set(services)
    kafka_env = services["kafka"]["environment"]
    assert services["kafka"]["image"].startswith("apache/kafka")
    assert "controller" in kafka_env["KAFKA_PROCESS_ROLES"]  # KRaft: no ZooKeeper service
    assert "zookeeper" not in services
    assert services["redis"]["image"].startswith("redis")
    assert services["worker"]["command"] == ["riskwire", "worker"]


def test_worker_environment_is_exactly_settings_the_app_reads(compose: dict[str, Any]) -> None:
    known = {var for var, _ in ENVIRONMENT.values()}
    for name in ("worker", "topics"):
        env = compose["services"][name]["environment"]
        unknown = set(env) - known
        assert not unknown, f"{name} sets variables riskwire never reads: {unknown}"
        settings = Settings.from_env(env)  # every value parses and passes the checks
        assert settings.partitions >= 1


def test_worker_addresses_point_at_compose_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    env = services["worker"]["environment"]
    settings = Settings.from_env(env)
    kafka_listeners = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    for server in settings.bootstrap_servers:
        host = server.split(":")[0]
        assert host in services, f"broker host {host} is not a compose service"
        assert server in kafka_listeners, f"{server} is not an advertised listener of kafka"
    redis_host = settings.redis_url.split("//", 1)[1].split(":")[0]
    assert redis_host in services
    assert "6379:6379" in services["redis"]["ports"]


def test_worker_health_check_uses_the_configured_web_port(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    port = Settings.from_env(worker["environment"]).web_port
    assert str(port) in worker["expose"]
    assert f":{port}/ready" in " ".join(worker["healthcheck"]["test"])


def test_kafka_keeps_its_log_on_a_volume(compose: dict[str, Any]) -> None:
    """Kafka is the system of record: a broker restart must not lose topics or offsets."""
    kafka = compose["services"]["kafka"]
    log_dir = kafka["environment"]["KAFKA_LOG_DIRS"]
    mounts = {v.split(":", 1)[1].split(":")[0]: v.split(":", 1)[0] for v in kafka["volumes"]}
    assert mounts.get(log_dir) in compose["volumes"]

"""streams.settings: one typed settings object, from the environment, failing early when wrong."""

from __future__ import annotations

from dataclasses import fields

import pytest

from schemas.errors import ConfigError
from streams.settings import ENVIRONMENT, Settings


def test_every_setting_has_an_environment_variable() -> None:
    assert [f.name for f in fields(Settings)] == list(ENVIRONMENT)
    for var, description in ENVIRONMENT.values():
        assert var.startswith("RISKWIRE_")
        assert description


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s == Settings()
    assert s.broker == "kafka://127.0.0.1:9092"
    assert s.partitions == 4
    assert s.processing_guarantee == "at_least_once"
    assert s.max_record_bytes == 1 << 20
    assert s.bootstrap_servers == ["127.0.0.1:9092"]


def test_environment_overrides_with_types() -> None:
    s = Settings.from_env(
        {
            "RISKWIRE_BROKER": "kafka://kafka-1:9092;kafka-2:9092; ",
            "RISKWIRE_NAMESPACE": "riskwire-staging",
            "RISKWIRE_PARTITIONS": "12",
            "RISKWIRE_COMMIT_INTERVAL": "0.5",
            "RISKWIRE_DEDUP_WINDOW_DAYS": "3",
            "RISKWIRE_PROCESSING_GUARANTEE": "exactly_once",
            "RISKWIRE_CATALOGUE": "/etc/riskwire/catalogue.json",
            "UNRELATED": "ignored",
        }
    )
    assert s.partitions == 12 and isinstance(s.partitions, int)
    assert s.commit_interval == 0.5
    assert s.dedup_window_days == 3.0 and isinstance(s.dedup_window_days, float)
    assert s.processing_guarantee == "exactly_once"
    assert s.catalogue == "/etc/riskwire/catalogue.json"
    assert s.bootstrap_servers == ["kafka-1:9092", "kafka-2:9092"]
    assert s.topic("signals") == "riskwire-staging.signals"


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKWIRE_WEB_PORT", "7077")
    monkeypatch.delenv("RISKWIRE_PARTITIONS", raising=False)
    s = Settings.from_env()
    assert s.web_port == 7077
    assert s.partitions == 4


def test_empty_value_means_default() -> None:
    assert Settings.from_env({"RISKWIRE_PARTITIONS": ""}).partitions == 4


def test_redis_url_falls_back_to_redis_url() -> None:
    assert Settings.from_env({"REDIS_URL": "redis://cache:6379/2"}).redis_url == (
        "redis://cache:6379/2"
    )
    both = {"REDIS_URL": "redis://cache:6379/2", "RISKWIRE_REDIS_URL": "redis://own:6379/0"}
    assert Settings.from_env(both).redis_url == "redis://own:6379/0"


def test_explicit_overrides_add_to_the_environment() -> None:
    s = Settings.from_env({"RISKWIRE_PARTITIONS": "12"}, web_port=0, namespace="test.ns")
    assert s.partitions == 12
    assert s.web_port == 0
    assert s.namespace == "test.ns"


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("RISKWIRE_PARTITIONS", "four"),
        ("RISKWIRE_PARTITIONS", "4.0"),
        ("RISKWIRE_WEB_PORT", "http"),
        ("RISKWIRE_COMMIT_INTERVAL", "1s"),
        ("RISKWIRE_MAX_RECORD_BYTES", "1MB"),
    ],
)
def test_value_of_the_wrong_type_is_a_config_error(var: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env({var: value})
    assert var in str(err.value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"RISKWIRE_NAMESPACE": "risk wire"}, "namespace"),
        ({"RISKWIRE_NAMESPACE": "风险"}, "namespace"),
        ({"RISKWIRE_PARTITIONS": "0"}, "RISKWIRE_PARTITIONS"),
        ({"RISKWIRE_PARTITIONS": "-2"}, "RISKWIRE_PARTITIONS"),
        ({"RISKWIRE_PROCESSING_GUARANTEE": "exactly-once"}, "RISKWIRE_PROCESSING_GUARANTEE"),
        ({"RISKWIRE_BROKER": "localhost:9092"}, "RISKWIRE_BROKER"),
        ({"RISKWIRE_BROKER": "redis://localhost:6379"}, "RISKWIRE_BROKER"),
    ],
)
def test_settings_that_cannot_work_are_a_config_error(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        Settings.from_env(env)


def test_overrides_are_checked_too() -> None:
    with pytest.raises(ConfigError):
        Settings.from_env({}, partitions=0)


def test_aiokafka_urls_are_accepted() -> None:
    s = Settings.from_env({"RISKWIRE_BROKER": "aiokafka://broker:19092"})
    assert s.bootstrap_servers == ["broker:19092"]


def test_as_env_reproduces_the_settings() -> None:
    s = Settings.from_env(
        {"RISKWIRE_PARTITIONS": "8", "RISKWIRE_COMMIT_INTERVAL": "2.5", "RISKWIRE_NAMESPACE": "x"}
    )
    env = s.as_env()
    assert env["RISKWIRE_PARTITIONS"] == "8"
    assert set(env) == {var for var, _ in ENVIRONMENT.values()}
    assert Settings.from_env(env) == s


def test_redacted_masks_passwords_only() -> None:
    s = Settings.from_env(
        {
            "RISKWIRE_REDIS_URL": "redis://default:s3cr3t-pw@redis.internal:6379/0",
            "RISKWIRE_BROKER": "kafka://broker:9092",
        }
    )
    shown = s.redacted()
    assert "s3cr3t-pw" not in str(shown)
    assert shown["redis_url"] == "redis://default:***@redis.internal:6379/0"
    assert shown["broker"] == "kafka://broker:9092"
    assert shown["partitions"] == "4"
    assert s.redis_url.endswith("s3cr3t-pw@redis.internal:6379/0")  # the value itself is intact


def test_sources_must_name_known_feeds() -> None:
    ok = Settings.from_env({"RISKWIRE_SOURCES": "legacy.complaints=complaints"})
    assert ok.source_topics == {"legacy.complaints": "complaints"}
    with pytest.raises(ConfigError, match="unknown feeds: complaint"):
        Settings.from_env({"RISKWIRE_SOURCES": "legacy.complaints=complaint"})
    with pytest.raises(ConfigError, match="is not topic=feed"):
        Settings.from_env({"RISKWIRE_SOURCES": "legacy.complaints"})


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("FALSE", False)],
)
def test_switches_read_like_switches(raw: str, value: bool) -> None:
    assert Settings.from_env({"RISKWIRE_WEB_DEBUG": raw}).web_debug is value


def test_a_switch_that_says_neither_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="RISKWIRE_WEB_DEBUG='maybe' is not a valid bool"):
        Settings.from_env({"RISKWIRE_WEB_DEBUG": "maybe"})


def test_switches_round_trip_through_the_environment() -> None:
    s = Settings.from_env({"RISKWIRE_WEB_DEBUG": "yes", "RISKWIRE_TOKENS_FILE": "/t.json"})
    env = s.as_env()
    assert env["RISKWIRE_WEB_DEBUG"] == "1" and env["RISKWIRE_READ_AUTH"] == "0"
    assert Settings.from_env(env) == s


def test_read_auth_needs_tokens() -> None:
    with pytest.raises(ConfigError, match="RISKWIRE_READ_AUTH=1 needs tokens"):
        Settings.from_env({"RISKWIRE_READ_AUTH": "1"})
    assert Settings.from_env({"RISKWIRE_READ_AUTH": "1", "RISKWIRE_TOKENS_FILE": "t.json"})


def test_inline_tokens_are_never_shown() -> None:
    secret = '{"tokens": [{"principal": "p", "roles": ["admin"], "token": "s3cr3t-s3cr3t-s3cr3t"}]}'
    s = Settings.from_env({"RISKWIRE_TOKENS": secret, "RISKWIRE_TOKENS_FILE": "/etc/t.json"})
    assert s.tokens == secret
    assert "s3cr3t" not in repr(s) and "s3cr3t" not in str(s)
    assert s.redacted()["tokens"] == "***"
    assert s.redacted()["tokens_file"] == "/etc/t.json"
    assert Settings().redacted()["tokens"] == ""


def test_a_setting_is_one_line_its_variable_and_help_derived_from_it() -> None:
    from dataclasses import fields as dataclass_fields

    from streams.settings import ENVIRONMENT, SECRETS, Settings

    names = [f.name for f in dataclass_fields(Settings)]
    assert list(ENVIRONMENT) == names
    for name in names:
        var, help_text = ENVIRONMENT[name]
        assert var == f"RISKWIRE_{name.upper()}" and help_text
    assert set(SECRETS) == {"tokens", "subscriptions"}  # webhook secrets are in subscriptions
    assert "tokens=" not in repr(Settings(tokens="x" * 20))
    assert "subscriptions=" not in repr(Settings(subscriptions="x" * 20))


def test_table_store_is_memory_or_rocksdb() -> None:
    assert Settings.from_env({}).store == "memory://"  # the embedded broker keeps no files
    assert Settings.from_env({"RISKWIRE_STORE": "rocksdb://"}).store == "rocksdb://"
    for wrong in ("rocksdb", "redis://", "aerospike://"):
        with pytest.raises(ConfigError, match="RISKWIRE_STORE"):
            Settings.from_env({"RISKWIRE_STORE": wrong})


def test_rocksdb_without_bindings_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ConfigError, match=r"pip install 'riskwire\[prod\]'"):
        Settings.from_env({"RISKWIRE_STORE": "rocksdb://"})
    assert Settings.from_env({}).store == "memory://"  # memory needs nothing


def test_data_dir_holds_one_directory_per_namespace() -> None:
    """A RocksDB table keeps its changelog offsets without the topic's name: two namespaces
    sharing a directory would read each other's tables as their own."""
    assert Settings.from_env({}).faust_datadir is None  # Faust's default: <namespace>-data
    s = Settings.from_env({"RISKWIRE_DATA_DIR": "/var/lib/riskwire", "RISKWIRE_NAMESPACE": "a"})
    assert s.faust_datadir == "/var/lib/riskwire/a"
    assert s.as_env()["RISKWIRE_DATA_DIR"] == "/var/lib/riskwire"

import json
import logging
import sys

import pytest
from loguru import logger

from todo_core.logging import configure_logging, redact_text
from todo_core.settings import Settings, get_settings, to_asyncpg_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+asyncpg://u@h/db"),
        (
            "postgresql://u:p@ep-x.neon.tech/db?sslmode=require&channel_binding=require",
            "postgresql+asyncpg://u:p@ep-x.neon.tech/db?ssl=require",
        ),
    ],
)
def test_database_url_becomes_asyncpg(given: str, expected: str) -> None:
    assert to_asyncpg_url(given) == expected


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("SESSION_TTL_SECONDS", "3600")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.database_url == "postgresql+asyncpg://u@h/db"
        assert (settings.log_format, settings.log_level) == ("json", "DEBUG")
        assert settings.session_ttl_seconds == 3600
        assert (settings.pubsub_name, settings.statestore_name) == ("pubsub", "statestore")
        assert get_settings() is settings
    finally:
        get_settings.cache_clear()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="database_url"):
        Settings(database_url="mysql://h/db")
    with pytest.raises(ValueError, match="log_format"):
        Settings(log_format="xml")


def test_redact_text_masks_secret_values() -> None:
    text = redact_text('login password=hunter22 token: abc.def "api_key":"k1" user=ada')
    assert "hunter22" not in text and "abc.def" not in text and "k1" not in text
    assert "user=ada" in text


def test_json_logs_hide_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    root_handlers, root_level = logging.root.handlers[:], logging.root.level
    configure_logging(Settings(log_format="json", log_level="INFO"))
    try:
        logger.bind(password="hunter22", user="ada").info("sign-in with token=s3cr3t")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)["record"]
        assert "hunter22" not in line and "s3cr3t" not in line
        assert record["extra"] == {"password": "***", "user": "ada"}
    finally:  # put global logging back the way other tests expect it
        logger.remove()
        logger.configure(patcher=None)
        logger.add(sys.__stderr__)
        logging.root.handlers[:] = root_handlers
        logging.root.setLevel(root_level)

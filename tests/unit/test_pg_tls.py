"""Where a CA is given, the apps check PostgreSQL's certificate against it, and its name."""

import ssl

import pytest
from sqlalchemy import text

from todo_core.db import create_engine
from todo_core.pg_tls import engine_tls
from todo_core.settings import to_asyncpg_url

CA = "/etc/ssl/certs/ca-certificates.crt"  # any readable bundle will do as "the CA"


def _tls(libpq_url: str) -> tuple[str, dict[str, object]]:
    return engine_tls(to_asyncpg_url(libpq_url))


@pytest.fixture(autouse=True)
def _no_ca_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)


@pytest.mark.parametrize(
    ("mode", "checks_name"), [("verify-full", True), ("require", True), ("verify-ca", False)]
)
def test_a_ca_in_the_url_becomes_a_context_that_verifies(mode: str, checks_name: bool) -> None:
    url, args = _tls(f"postgresql://u:p@db.example.com/todo?sslmode={mode}&sslrootcert={CA}")
    assert url == "postgresql+asyncpg://u:p@db.example.com/todo"
    context = args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is checks_name
    assert context.get_ca_certs(), "the given CA is loaded"


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer", None])
def test_a_ca_with_a_mode_that_does_not_verify_is_refused(mode: str | None) -> None:
    query = f"sslmode={mode}&" if mode else ""
    with pytest.raises(ValueError, match="verify-full"):
        _tls(f"postgresql://u@h/todo?{query}sslrootcert={CA}")


def test_require_with_the_ca_from_the_environment_checks_the_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _tls("postgresql://u@h/todo?sslmode=require") == (
        "postgresql+asyncpg://u@h/todo?ssl=require",
        {},
    )
    monkeypatch.setenv("PGSSLROOTCERT", CA)  # as the chart sets it in every pod
    assert _tls("postgresql://u@h/todo?sslmode=require") == (
        "postgresql+asyncpg://u@h/todo?ssl=verify-full",
        {},
    )
    # No mode (a local server without TLS): left as libpq's default.
    assert _tls("postgresql://u@h/todo") == ("postgresql+asyncpg://u@h/todo", {})


async def test_an_engine_with_a_ca_in_its_url_reaches_the_network() -> None:
    """asyncpg's connect() has no `sslrootcert`: before, the URL failed with a TypeError
    before any connection was tried. Now it gets as far as the (closed) port."""
    engine = create_engine(
        f"postgresql://u:p@127.0.0.1:1/todo?sslmode=verify-full&sslrootcert={CA}"
    )
    try:
        with pytest.raises(OSError):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()

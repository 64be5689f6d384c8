"""TLS to PostgreSQL for asyncpg under SQLAlchemy: where a CA is given, the server's
certificate is checked against it, and so is the server's name.

- SQLAlchemy hands asyncpg the URL's query as keyword arguments, and asyncpg's connect() has
  no `sslrootcert`: a URL that names its CA the way libpq takes it (`sslrootcert=`) failed
  with a TypeError. Here that CA becomes an SSLContext that trusts it alone.
- `sslmode=require` only encrypts; it takes any certificate, a man in the middle's too. With
  a CA given (in the URL, or PGSSLROOTCERT, which the chart always sets) it means
  verify-full here; verify-ca (the chain without the name) must be asked for by name.
- A CA in the URL with a mode that does not check against it (disable, allow, prefer, or
  none) is a contradiction, refused at start-up rather than silently unverified.

The Dapr state store (pgx) reads the same libpq parameters itself; its connection string
says verify-full (docs/deploy.md).
"""

import os
import ssl
from typing import Any

from sqlalchemy.engine import make_url

VERIFYING = ("verify-ca", "verify-full")


def engine_tls(url: str) -> tuple[str, dict[str, Any]]:
    """The URL and `connect_args` for create_async_engine, from an asyncpg URL (one that
    todo_core.settings.to_asyncpg_url made: its mode is in `ssl=`)."""
    parsed = make_url(url)
    query = dict(parsed.query)
    root = query.pop("sslrootcert", None)
    mode = query.get("ssl")
    if mode == "require" and (root or os.environ.get("PGSSLROOTCERT")):
        query["ssl"] = mode = "verify-full"
    if root is None:
        return parsed.set(query=query).render_as_string(hide_password=False), {}
    if mode not in VERIFYING:
        raise ValueError(
            f"DATABASE_URL names a CA (sslrootcert) but sslmode={mode or 'prefer'} does not "
            "check the server against it: use sslmode=verify-full"
        )
    del query["ssl"]  # the context below says it all
    context = ssl.create_default_context(cafile=str(root))
    context.check_hostname = mode == "verify-full"
    return parsed.set(query=query).render_as_string(hide_password=False), {"ssl": context}

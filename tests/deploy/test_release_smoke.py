"""The release's smoke test over HTTPS (devstack/release.py `smoke`), against real TLS
servers on loopback with a CA made here: it connects to the LoadBalancer's address while
sending and verifying the public host name (as `curl --resolve`), accepts only a
certificate for that name from a trusted CA, and insists that plain HTTP redirects."""

import http.server
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devstack import release

HOST = "todo.smoke.test"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *key, "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt",
             "-subj", "/CN=smoke-ca", "-days", "2")  # fmt: skip
    for name in (HOST, "other.smoke.test"):
        _openssl("req", *key, "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr",
                 "-subj", f"/CN={name}")  # fmt: skip
        (d / "ext").write_text(f"subjectAltName=DNS:{name}\n")
        _openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.crt",
                 "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/{name}.crt",
                 "-days", "2", "-extfile", f"{d}/ext")  # fmt: skip
    return d


def _serve(handler: Callable[[http.server.BaseHTTPRequestHandler], None], tls: Path | None):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            handler(self)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(f"{tls}.crt", f"{tls}.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _ok(request: http.server.BaseHTTPRequestHandler) -> None:
    # Only the public name reaches the app, as behind an Ingress rule for that host.
    status = 200 if request.headers["Host"] == HOST else 404
    request.send_response(status)
    request.end_headers()


def _redirect(request: http.server.BaseHTTPRequestHandler) -> None:
    request.send_response(308)
    request.send_header("Location", f"https://{request.headers['Host']}{request.path}")
    request.end_headers()


@pytest.fixture
def servers(pki: Path) -> Iterator[Callable[..., release.Endpoint]]:
    started: list[http.server.ThreadingHTTPServer] = []

    def endpoint(cert: str = HOST, plain=_redirect) -> release.Endpoint:
        https, http = _serve(_ok, pki / cert), _serve(plain, None)
        started.extend([https, http])
        return release.Endpoint(
            f"https://{HOST}", "127.0.0.1", https.server_port, HOST, http.server_port
        )

    yield endpoint
    for server in started:
        server.shutdown()


def test_passes_with_the_hosts_certificate_and_a_redirect(servers, pki: Path, capsys) -> None:
    release.smoke(servers(), str(pki / "ca.crt"), wait=5)
    assert "HTTP redirected to HTTPS" in capsys.readouterr().out


def test_an_untrusted_certificate_fails_naming_the_cause(servers) -> None:
    with pytest.raises(release.ReleaseError, match="CERTIFICATE_VERIFY_FAILED"):
        release.smoke(servers(), None, wait=1)


def test_a_certificate_for_another_name_fails(servers, pki: Path) -> None:
    with pytest.raises(release.ReleaseError, match="(?i)hostname mismatch|doesn't match"):
        release.smoke(servers(cert="other.smoke.test"), str(pki / "ca.crt"), wait=1)


def test_plain_http_serving_the_app_fails(servers, pki: Path) -> None:
    with pytest.raises(release.ReleaseError, match="not a redirect to https://todo.smoke.test"):
        release.smoke(servers(plain=_ok), str(pki / "ca.crt"), wait=1)

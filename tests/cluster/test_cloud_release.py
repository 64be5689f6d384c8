"""The cloud-shaped release: values-cloud.yaml unchanged plus the rehearsal's small overlay,
released by the workflow's entry point into `todo-cloud`, against Kafka over SASL_SSL with
SCRAM users and PostgreSQL over TLS only (devstack/cluster/cloud.py), images pulled from
the registry, the app only over HTTPS through Traefik with a certificate from cert-manager.
Checked with clients the project did not write: librdkafka over SASL_SSL, psql over TLS,
HTTPS clients and Chromium trusting only the services CA, each connecting to Traefik's
LoadBalancer address with the public host name (there is no DNS here)."""

import json
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from playwright.sync_api import BrowserType, expect

from devstack import processes
from devstack.browser import CHROMIUM, CHROMIUM_ARGS
from devstack.cluster import cloud, images, ingress, rehearsal
from devstack.cluster.lifecycle import Cluster
from devstack.cluster.registry import ADDRESS
from tests.cluster.helpers import next_occurrence_seconds

REMINDER_RECORD_LIMIT_S = 5
NEXT_OCCURRENCE_LIMIT_S = 15
PAGE_LOAD_LIMIT_S = 2


@dataclass(frozen=True)
class Site:
    """The release's public HTTPS URL and where its name would resolve to."""

    url: str
    address: str  # Traefik's LoadBalancer IP
    ca: Path

    @property
    def host(self) -> str:
        return httpx.URL(self.url).host

    def client(self, **kwargs: Any) -> httpx.Client:
        """Like `curl --resolve host:443:address --cacert ca`: the name is sent and verified,
        the connection goes to the address."""

        def to_address(request: httpx.Request) -> None:
            request.extensions["sni_hostname"] = self.host
            request.url = request.url.copy_with(host=self.address)

        verify = ssl.create_default_context(cafile=str(self.ca))
        return httpx.Client(base_url=self.url, verify=verify, timeout=15,
                            event_hooks={"request": [to_address]}, **kwargs)  # fmt: skip

    def get(self, path: str) -> httpx.Response:
        with self.client() as client:
            return client.get(path)


@pytest.fixture(scope="module")
def site(cluster: Cluster, cloud_url: str) -> Site:
    address = ingress.lb_address(cluster.kube)
    assert address, "Traefik's Service has no LoadBalancer address"
    return Site(cloud_url, address, cloud.ca_file(cluster.layout))


@pytest.fixture(scope="module")
def cloud_url(cluster: Cluster) -> Iterator[str]:
    kube = cluster.kube
    archives = images.ensure_images()
    tag = next(ref for ref in archives if ref.startswith(f"{images.WEB}:")).rsplit(":", 1)[1]
    redis = next(ref for ref in archives if ref.startswith("localhost/todo/redis:"))
    overlay = rehearsal.prepare(kube, archives, tag, redis)
    started = time.monotonic()
    result = rehearsal.release(kube, overlay, tag)
    print(f"\ncloud-shaped release in {time.monotonic() - started:.0f}s:\n{result.stdout}")
    assert result.returncode == 0, result.stdout + result.stderr
    url = next(line for line in result.stdout.splitlines() if "released" in line).split()[-1]
    assert url == f"https://{rehearsal.HOST}", result.stdout
    assert "HTTP redirected to HTTPS" in result.stdout
    yield url
    rehearsal.remove(kube)
    cloud.stop(cluster.layout)


def _pods(cluster: Cluster, component: str) -> list[dict]:
    items = cluster.kube.get(
        "-n", rehearsal.NAMESPACE, "pods", "-l", f"app.kubernetes.io/component={component}"
    )["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def _sign_up(site: Site) -> httpx.Client:
    client = site.client()
    email = f"cloud-{time.time_ns()}@example.com"
    body = {"email": email, "password": "a long cloud password", "display_name": "Cloud"}
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


def _consumer(cluster: Cluster) -> Consumer:
    creds = cloud.credentials(cluster.layout)
    config = cloud.kafka_client_config(cluster.layout, cloud.ADMIN_USER, creds.kafka_admin)
    return Consumer({**config, "group.id": f"rehearsal-{time.time_ns()}",
                     "enable.auto.commit": False})  # fmt: skip


def test_the_release_runs_two_web_pods_and_a_worker_each_beside_daprd(
    cluster: Cluster, site: Site
) -> None:
    web, worker = _pods(cluster, "web"), _pods(cluster, "worker")
    assert len(web) == 2 and len(worker) == 1
    for pod in web + worker:
        statuses = pod["status"]["containerStatuses"]
        assert all(s["ready"] for s in statuses) and "daprd" in {s["name"] for s in statuses}
        images_ = [c["image"] for c in pod["spec"]["containers"] if c["name"] != "daprd"]
        assert all(i.startswith(f"{ADDRESS}/") for i in images_), images_
    started = time.monotonic()
    assert site.get("/").status_code == 200
    assert time.monotonic() - started < PAGE_LOAD_LIMIT_S


def test_postgres_refuses_a_plain_connection_and_serves_tls(cluster: Cluster) -> None:
    creds = cloud.credentials(cluster.layout)
    base = f"host={cloud.HOST_IP} port={cloud.PG_PORT} user=todo dbname=todo"
    env = {"PGPASSWORD": creds.postgres, "PATH": "/usr/bin:/bin"}
    plain = subprocess.run(["psql", f"{base} sslmode=disable", "-tAc", "SELECT 1"],
                           capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert plain.returncode != 0 and "no encryption" in plain.stderr, plain.stderr
    tls = f"{base} sslmode=verify-full sslrootcert={cloud.ca_file(cluster.layout)}"
    query = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    ok = subprocess.run(["psql", tls, "-tAc", query], capture_output=True, text=True, env=env,
                        check=False)  # fmt: skip
    assert ok.stdout.strip() == "t", ok.stderr


def test_kafka_refuses_a_wrong_password_and_has_no_automatic_topics(cluster: Cluster) -> None:
    from confluent_kafka.admin import AdminClient

    config = cloud.kafka_client_config(cluster.layout, cloud.APP_USER, "wrong-password")
    with pytest.raises(Exception, match="(?i)transport|authentication"):
        AdminClient({**config, "log_level": 0}).list_topics(timeout=5)
    creds = cloud.credentials(cluster.layout)
    admin = AdminClient(cloud.kafka_client_config(cluster.layout, "admin", creds.kafka_admin))
    topics = set(admin.list_topics(timeout=10).topics)
    assert {"task-events", "reminders", "recurring-task", "reminders-dlq"} <= topics
    consumer = _consumer(cluster)
    consumer.subscribe(["no-such-topic-here"])
    consumer.poll(3)
    consumer.close()
    assert "no-such-topic-here" not in admin.list_topics(timeout=10).topics


def test_a_reminder_is_on_kafka_within_5_s_and_fires(cluster: Cluster, site: Site) -> None:
    client = _sign_up(site)
    remind_at = datetime.now(UTC) + timedelta(seconds=40)
    task = {
        "title": "water the ferns",
        "due": (remind_at + timedelta(hours=1)).replace(tzinfo=None).isoformat(timespec="seconds"),
        "reminder": {
            "kind": "at",
            "at": remind_at.replace(tzinfo=None).isoformat(timespec="seconds"),
        },
    }
    saved = time.time()
    response = client.post("/api/tasks", json=task)
    assert response.status_code == 201, response.text
    task_id = response.json()["id"]

    consumer = _consumer(cluster)
    partitions = consumer.list_topics("reminders", timeout=30).topics["reminders"].partitions
    consumer.assign([TopicPartition("reminders", p, OFFSET_BEGINNING) for p in partitions])
    found, deadline = None, time.monotonic() + 60
    while found is None and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None or message.error():
            continue
        data = json.loads(message.value()).get("data", {})
        if data.get("task_id") == task_id and data.get("type") == "reminder.scheduled":
            found = message.timestamp()[1] / 1000
    consumer.close()
    assert found is not None, "no reminder.scheduled record over SASL_SSL"
    print(f"\nreminder record {found - saved:.2f}s after the request")
    assert found - saved < REMINDER_RECORD_LIMIT_S

    deadline = time.monotonic() + 40 + 90
    while time.monotonic() < deadline:
        notes = client.get("/api/notifications?unread=true").json()
        if any(n["title"] == "water the ferns" for n in notes):
            break
        time.sleep(2)
    else:
        pytest.fail("the reminder never reached the user's notifications")


def test_completing_a_daily_task_creates_the_next_within_15_s(site: Site) -> None:
    client = _sign_up(site)
    took = next_occurrence_seconds(client, "feed the fish", NEXT_OCCURRENCE_LIMIT_S)
    if took is not None:
        print(f"\nnext occurrence after {took:.1f}s")
        return
    pytest.fail(f"no next occurrence within {NEXT_OCCURRENCE_LIMIT_S}s")


def test_sessions_and_conversations_are_state_rows_read_over_tls(
    cluster: Cluster, site: Site
) -> None:
    client = _sign_up(site)
    reply = client.post("/api/chat", json={"message": "add buy stamps tomorrow"})
    assert reply.status_code == 200, reply.text
    conversation = reply.json()["conversation_id"]
    creds = cloud.credentials(cluster.layout)
    dsn = (f"host={cloud.HOST_IP} port={cloud.PG_PORT} user=todo dbname=todo sslmode=verify-full "
           f"sslrootcert={cloud.ca_file(cluster.layout)}")  # fmt: skip
    query = "SELECT key FROM dapr.state WHERE key LIKE 'todo-web||%'"
    env = {"PGPASSWORD": creds.postgres, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(["psql", dsn, "-tAc", query], capture_output=True, text=True, env=env,
                         check=True)  # fmt: skip
    keys = out.stdout.split()
    assert any(k.startswith("todo-web||session:") for k in keys), keys[:5]
    assert any(conversation in k for k in keys), (conversation, keys[:5])


def test_the_first_request_after_postgres_restarted_while_idle_succeeds(
    cluster: Cluster, site: Site
) -> None:
    """As Neon does when a compute is suspended: every connection the apps and the state
    store pooled is gone. No retry here: the very first request must succeed."""
    client = _sign_up(site)
    assert client.post("/api/tasks", json={"title": "before the restart"}).status_code == 201
    processes.stop(cluster.layout.run_dir, "cloud-postgres", timeout=15)
    cloud.start_postgres(cluster.layout)
    response = client.get("/api/tasks")
    assert response.status_code == 200, response.text
    assert [t["title"] for t in response.json()["items"]] == ["before the restart"]
    created = client.post("/api/tasks", json={"title": "after the restart"})
    assert created.status_code == 201, created.text


def test_wrong_kafka_credentials_fail_the_release_naming_the_sidecar(
    cluster: Cluster, site: Site
) -> None:
    kube, layout = cluster.kube, cluster.layout
    literals = rehearsal.secret_literals(layout, kafka_password="not-the-password")
    rehearsal.apply_secret(kube, literals, name="todo-secrets-bad-kafka")
    overlay = layout.config_dir / "cloud-rehearsal.yaml"
    tag = next(iter(_pods(cluster, "web")))["spec"]["containers"][0]["image"].rsplit(":", 1)[1]
    before = site.get("/healthz").status_code
    result = rehearsal.release(
        kube, overlay, tag, "--set", "secrets.existingSecret=todo-secrets-bad-kafka",
        "--stuck-after", "20",
    )  # fmt: skip
    kube.kubectl("-n", rehearsal.NAMESPACE, "delete", "secret", "todo-secrets-bad-kafka")
    output = result.stdout + result.stderr
    print(f"\nwhat the release said:\n{result.stderr[-2500:]}")
    assert result.returncode != 0
    assert "/daprd" in output, output[-3000:]
    assert "SASL" in output or "authentication" in output.lower(), output[-3000:]
    assert before == 200 and site.get("/healthz").status_code == 200


def _curl(site: Site, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    port = 443 if url.startswith("https") else 80
    return subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--cacert", str(site.ca),
         "--resolve", f"{site.host}:{port}:{site.address}", *args, url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_only_https_serves_the_app_and_http_redirects(cluster: Cluster, site: Site) -> None:
    """With curl, trusting only the services CA: the certificate is cert-manager's for the
    public name, and plain HTTP answers nothing but a redirect."""
    secure = _curl(site, f"{site.url}/healthz", "-o", "/dev/null",
                   "-w", "%{http_code} %{ssl_verify_result} %{scheme}")  # fmt: skip
    assert secure.stdout == "200 0 HTTPS", secure.stdout + secure.stderr
    plain = _curl(site, f"http://{site.host}/api/auth/login", "-o", "/dev/null",
                  "-w", "%{http_code} %{redirect_url}")  # fmt: skip
    assert plain.stdout in (f"{code} {site.url}/api/auth/login" for code in (301, 308)), plain
    # The metrics store scrapes the pods; the internet gets no figures through the Ingress.
    assert (
        _curl(site, f"{site.url}/metrics", "-o", "/dev/null", "-w", "%{http_code}").stdout == "404"
    )
    # The web Service itself has no address outside the cluster.
    svc = cluster.kube.get("-n", rehearsal.NAMESPACE, "service", "todo-web")
    assert svc["spec"]["type"] == "ClusterIP"


def test_the_session_cookie_is_secure_over_https(site: Site) -> None:
    with site.client() as client:
        body = {"email": f"cookie-{time.time_ns()}@example.com",
                "password": "a long cloud password", "display_name": "Cookie"}  # fmt: skip
        response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    cookie = response.headers["set-cookie"]
    assert "; secure" in cookie.lower() and "httponly" in cookie.lower(), cookie


@pytest.fixture(scope="module")
def trusting_home(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose NSS database trusts the services CA, as a person adds a CA to Chromium
    (Settings > Certificates, or certutil): nothing that ignores certificate errors."""
    home = tmp_path_factory.mktemp("browser-home")
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "todo-services-ca",
                    "-t", "C,,", "-i", str(site.ca)], check=True)  # fmt: skip
    return home


def test_the_page_works_over_https_in_chromium(
    site: Site, trusting_home: Path, browser_type: BrowserType
) -> None:
    """The frontend was built for the http://localhost:80 default: over https Reflex swaps in
    the page's host and wss:// on 443, so the same image serves both. A task added through
    the page travels over that websocket."""
    browser = browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {site.host} {site.address}"],
        env={"HOME": str(trusting_home), "PATH": "/usr/bin:/bin"},
        headless=True,
    )
    sockets: list[str] = []
    try:
        page = browser.new_page(base_url=site.url)
        page.on("websocket", lambda ws: sockets.append(ws.url))
        started = time.monotonic()
        response = page.goto("/signup")
        assert response is not None and response.ok
        expect(page.get_by_test_id("email")).to_be_visible()
        load = time.monotonic() - started
        page.get_by_test_id("display-name").fill("Over TLS")
        page.get_by_test_id("email").fill(f"tls-{time.time_ns()}@example.com")
        page.get_by_test_id("password").fill("a long cloud password")
        page.get_by_test_id("submit").click()
        box = page.get_by_test_id("quick-add")
        expect(box).to_be_visible(timeout=15_000)
        box.fill("renew the certificate")
        box.press("Enter")
        expect(
            page.get_by_test_id("task-title").get_by_text("renew the certificate")
        ).to_be_visible()
        assert page.evaluate("window.isSecureContext") is True
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert any(c["secure"] and c["httpOnly"] for c in cookies.values()), cookies
    finally:
        browser.close()
    print(f"\npage over HTTPS in {load:.2f}s; websockets: {sockets}")
    assert load < PAGE_LOAD_LIMIT_S
    assert sockets and all(url.startswith(f"wss://{site.host}/") for url in sockets), sockets

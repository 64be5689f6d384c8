"""One release, two callers: `.github/workflows/deploy.yml` and `make release-local` both run
`python -m devstack.release deploy …`, so what production does is what runs here.

A release is: `helm upgrade --install --atomic --wait` of deploy/helm/todo with the given
values files, registry and tag; then a check that every app pod runs beside its `daprd`
(the injector lets pods start without one when it is down); then the public address (the
web Ingress's host over HTTPS when the release has one, else the web LoadBalancer's); then
a smoke test of `/healthz` and `/`, and over HTTPS of the redirect from plain HTTP. While
helm waits, the pods are watched, so a release that cannot succeed (an image that cannot
be pulled, a container that keeps crashing, a migration Job that failed) is ended early
and reported by its cause, not by a bare timeout.

Only the standard library: the workflow's runner has Python, helm and kubectl and nothing
of ours installed.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

CHART = Path(__file__).resolve().parent.parent / "deploy" / "helm" / "todo"
# Waiting reasons that no amount of waiting fixes.
STUCK_REASONS = frozenset(
    {
        "ErrImagePull",
        "ErrImageNeverPull",
        "ImagePullBackOff",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "CrashLoopBackOff",
    }
)


# How long helm gets, after SIGTERM, to roll back by itself before it is killed.
KILL_AFTER = 180


class ReleaseError(Exception):
    """A release that did not succeed; the message says why."""


def say(message: str) -> None:
    print(f"[release] {message}", flush=True)


@dataclass(frozen=True)
class Target:
    """Where and what to release."""

    registry: str
    tag: str
    values: list[Path]
    namespace: str = "todo"
    release: str = "todo"
    chart: Path = CHART
    sets: list[str] = field(default_factory=list)
    kubeconfig: str | None = None
    timeout: int = 600  # seconds helm waits for the pods
    # How long a pod may stay in a STUCK_REASONS state before the release is given up.
    stuck_after: int = 60
    helm: str = "helm"
    kubectl: str = "kubectl"
    # Extra CA to trust for the smoke test (a private CA, as the local rehearsal has).
    ca_file: str | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.kubeconfig:
            env["KUBECONFIG"] = self.kubeconfig
        return env


# --- kubectl and helm ---------------------------------------------------------------------


def _run(target: Target, argv: list[str], check: bool = True) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=target.env(), check=False)
    if check and proc.returncode != 0:
        raise ReleaseError(f"`{' '.join(argv[:4])} …` failed: {proc.stderr.strip()}")
    return proc.stdout


def kubectl(target: Target, *args: str, check: bool = True) -> str:
    return _run(target, [target.kubectl, "-n", target.namespace, *args], check)


def helm(target: Target, *args: str, check: bool = True) -> str:
    return _run(target, [target.helm, "--namespace", target.namespace, *args], check)


def current(target: Target) -> tuple[int, str]:
    """(revision, status) of the release as helm reports it; (0, "") before the first."""
    out = helm(target, "status", target.release, "-o", "json", check=False)
    if not out.strip():
        return 0, ""
    status = json.loads(out)
    return int(status["version"]), status["info"]["status"]


def last_good_revision(target: Target) -> int | None:
    """The newest revision that was deployed: what a rollback must return to. Not helm's
    default "previous", which after a killed upgrade or rollback can be the failed one."""
    out = helm(target, "history", target.release, "-o", "json", check=False)
    history = json.loads(out) if out.strip() else []
    for status in ("deployed", "superseded"):
        good = [int(r["revision"]) for r in history if r["status"] == status]
        if good:
            return max(good)
    return None


def clear_interrupted(target: Target) -> None:
    """A helm killed mid-way leaves its release `pending-*`, and every later upgrade then
    fails with "another operation is in progress": undo what it was doing."""
    _, status = current(target)
    if status == "pending-install":
        say(f"release {target.release} was left pending-install: uninstalling it")
        helm(target, "uninstall", target.release, "--wait")
    elif status.startswith("pending-"):
        good = last_good_revision(target)
        say(f"release {target.release} was left {status}: rolling back to revision {good}")
        argv = ["rollback", target.release, *([str(good)] if good else [])]
        helm(target, *argv, "--wait", "--timeout", f"{target.timeout}s")


# --- watching the pods while helm waits ---------------------------------------------------


def _pods(target: Target) -> list[dict]:
    out = kubectl(
        target, "get", "pods", "-l", f"app.kubernetes.io/instance={target.release}",
        "-o", "json", check=False,
    )  # fmt: skip
    return json.loads(out)["items"] if out.strip() else []


def stuck_containers(pods: list[dict]) -> dict[str, str]:
    """`pod/container` -> "Reason: message" for each container waiting for a reason that
    waiting will not fix, and each Job pod that failed."""
    found: dict[str, str] = {}
    for pod in pods:
        name = pod["metadata"]["name"]
        if pod["metadata"].get("deletionTimestamp"):
            continue
        status = pod.get("status", {})
        statuses = status.get("initContainerStatuses", []) + status.get("containerStatuses", [])
        for container in statuses:
            waiting = container.get("state", {}).get("waiting") or {}
            if waiting.get("reason") in STUCK_REASONS:
                message = waiting.get("message", "").strip()
                found[f"{name}/{container['name']}"] = f"{waiting['reason']}: {message}".rstrip(
                    ": "
                )
    return found


def created_since(obj: dict, since: datetime) -> bool:
    """Made by this release attempt: a failed hook Job or a crashing pod of an earlier
    attempt is still there until helm replaces it, and is not this release's cause."""
    stamp = obj["metadata"].get("creationTimestamp")
    return stamp is not None and datetime.fromisoformat(stamp.replace("Z", "+00:00")) >= since


def failing_jobs(target: Target, since: datetime) -> dict[str, tuple[str, bool]]:
    """`job/name` -> (cause, final) for each Job of this attempt with a failed pod; final
    once the Job itself has failed. A Job may retry a transient failure (the database not
    reachable yet), so a failing one is given `stuck_after` like a stuck pod."""
    out = kubectl(
        target, "get", "jobs", "-l", f"app.kubernetes.io/instance={target.release}",
        "-o", "json", check=False,
    )  # fmt: skip
    found = {}
    for job in json.loads(out)["items"] if out.strip() else []:
        if not created_since(job, since):
            continue
        status = job.get("status", {})
        key = f"job/{job['metadata']['name']}"
        for cond in status.get("conditions", []):
            if cond.get("type") == "Failed" and cond.get("status") == "True":
                found[key] = (f"{cond.get('reason', 'Failed')}: {cond.get('message', '')}", True)
        if key not in found and status.get("failed", 0) > 0:
            found[key] = (f"{status['failed']} failed pod(s), retrying", False)
    return found


def _container_log(target: Target, pod_container: str) -> str:
    pod, container = pod_container.split("/", 1)
    for previous in ("--previous", None):
        args = ["logs", pod, "-c", container, "--tail", "15"]
        out = kubectl(target, *args, *([previous] if previous else []), check=False)
        if out.strip():
            return out.strip()
    return ""


def _job_log(target: Target, job: str) -> str:
    return kubectl(target, "logs", job, "--tail", "20", "--all-containers", check=False).strip()


class Watch:
    """What went wrong while helm waited, with when each problem was first seen."""

    def __init__(self, target: Target) -> None:
        self.target = target
        # API timestamps have whole seconds.
        self.since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
        self.first_seen: dict[str, float] = {}
        self.causes: dict[str, str] = {}
        self.logs: dict[str, str] = {}

    def poll(self) -> bool:
        """True once the release should be given up."""
        now = time.monotonic()
        pods = [pod for pod in _pods(self.target) if created_since(pod, self.since)]
        stuck = {key: (cause, False) for key, cause in stuck_containers(pods).items()}
        stuck.update(failing_jobs(self.target, self.since))
        for key, (cause, _) in stuck.items():
            if key not in self.first_seen:
                say(f"{key}: {cause}")
            self.first_seen.setdefault(key, now)
            self.causes[key] = cause
        # A failed Job does not come back; anything else gets `stuck_after` seconds.
        return any(
            final or now - self.first_seen[key] >= self.target.stuck_after
            for key, (_, final) in stuck.items()
        )

    def collect_logs(self) -> None:
        for key in self.causes:
            if key.startswith("job/"):
                self.logs[key] = _job_log(self.target, key)
            elif not self.causes[key].startswith(("ErrImagePull", "ImagePullBackOff", "Invalid")):
                self.logs[key] = _container_log(self.target, key)

    def report(self) -> str:
        if not self.causes:
            return "no pod reported a reason; see `kubectl get events` in the namespace"
        lines = []
        for key, cause in self.causes.items():
            lines.append(f"  {key}: {cause}")
            for line in self.logs.get(key, "").splitlines()[-8:]:
                lines.append(f"      | {line}")
        return "\n".join(lines)


# --- the release --------------------------------------------------------------------------


def helm_upgrade_argv(target: Target) -> list[str]:
    argv = [
        target.helm, "upgrade", "--install", target.release, str(target.chart),
        "--namespace", target.namespace, "--create-namespace",
    ]  # fmt: skip
    for values in target.values:
        argv += ["-f", str(values)]
    argv += ["--set", f"image.registry={target.registry}", "--set", f"image.tag={target.tag}"]
    for item in target.sets:
        argv += ["--set", item]
    argv += ["--atomic", "--wait", "--timeout", f"{target.timeout}s"]
    return argv


def _upgrade(target: Target) -> None:
    before, _ = current(target)
    say(f"helm upgrade --install {target.release} (revision {before} now), tag {target.tag}")
    started = time.monotonic()
    proc = subprocess.Popen(
        helm_upgrade_argv(target), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env=target.env(),
    )  # fmt: skip
    watch = Watch(target)
    given_up_at = None
    while proc.poll() is None:
        if given_up_at is None and watch.poll():
            given_up_at = time.monotonic()
            watch.collect_logs()
            say("the new pods cannot become ready: cancelling the release")
            proc.send_signal(signal.SIGTERM)
        elif given_up_at and time.monotonic() - given_up_at > KILL_AFTER:
            # helm answers SIGTERM by rolling back (--atomic), but not while it waits for
            # a hook; what it leaves pending is rolled back below.
            proc.kill()
        time.sleep(3)
    given_up = given_up_at is not None
    output = proc.stdout.read() if proc.stdout else ""
    if proc.returncode == 0 and not given_up:
        say(f"helm: revision {current(target)[0]} deployed in {time.monotonic() - started:.0f}s")
        return
    if not watch.logs:
        watch.collect_logs()
    clear_interrupted(target)
    now, status = current(target)
    raise ReleaseError(
        f"the release of tag {target.tag} failed and was rolled back "
        f"(revision {now} serves, status {status or 'none'}).\n"
        f"Cause:\n{watch.report()}\nhelm said: {output.strip()[-1500:]}"
    )


def check_sidecars(target: Target) -> None:
    """Every app pod of the release runs all its containers, one of them daprd."""
    bad = []
    selector = (
        f"app.kubernetes.io/instance={target.release},app.kubernetes.io/component in (web,worker)"
    )
    out = kubectl(target, "get", "pods", "-l", selector, "-o", "json")
    pods = [pod for pod in json.loads(out)["items"] if not pod["metadata"].get("deletionTimestamp")]
    for pod in pods:
        statuses = pod.get("status", {}).get("containerStatuses", [])
        names = [c["name"] for c in statuses]
        ready = sum(1 for c in statuses if c.get("ready"))
        if "daprd" not in names or ready != len(statuses):
            bad.append(f"{pod['metadata']['name']} ({ready}/{len(statuses)}: {', '.join(names)})")
    if not pods:
        raise ReleaseError("the release has no app pods")
    if bad:
        raise ReleaseError(
            "app pods without a ready daprd sidecar (is the Dapr injector running?): "
            + "; ".join(bad)
        )
    say(f"{len(pods)} app pods, each with a ready daprd sidecar")


@dataclass(frozen=True)
class Endpoint:
    """Where users reach the release: `url` is what they open; the connection goes to the
    LoadBalancer's `address`, sending `host` (Host header, TLS SNI and the name the
    certificate must carry), so the check holds before DNS points at a new address."""

    url: str
    address: str
    port: int
    host: str
    http_port: int = 80  # where plain HTTP is answered (with a redirect, over TLS)

    @property
    def tls(self) -> bool:
        return self.url.startswith("https://")


def _lb_address(obj: dict) -> str | None:
    ingress = obj.get("status", {}).get("loadBalancer", {}).get("ingress") or []
    return (ingress[0].get("ip") or ingress[0].get("hostname")) if ingress else None


def _endpoint_now(target: Target, name: str) -> Endpoint | None:
    """The Ingress `name` when the release has one (TLS when it lists its host), else the
    LoadBalancer Service `name`; None until it has an address."""
    out = kubectl(target, "get", "ingress", name, "-o", "json", check=False)
    if out.strip():
        route = json.loads(out)
        address = _lb_address(route)
        host = route["spec"]["rules"][0]["host"]
        tls = any(host in entry.get("hosts", []) for entry in route["spec"].get("tls", []))
        scheme, port = ("https", 443) if tls else ("http", 80)
        return Endpoint(f"{scheme}://{host}", address, port, host) if address else None
    out = kubectl(target, "get", "service", name, "-o", "json", check=False)
    if not out.strip():
        raise ReleaseError(f"the release has neither an Ingress nor a Service named {name}")
    svc = json.loads(out)
    address = _lb_address(svc)
    if address is None:
        return None
    port = svc["spec"]["ports"][0]["port"]
    shown = address if port == 80 else f"{address}:{port}"
    return Endpoint(f"http://{shown}", address, port, address)


def endpoint(target: Target, name: str, wait: int = 300) -> Endpoint:
    deadline = time.monotonic() + wait
    while (found := _endpoint_now(target, name)) is None:
        if time.monotonic() > deadline:
            raise ReleaseError(f"{name} got no LoadBalancer address in {wait}s")
        time.sleep(3)
    return found


def fetch(
    end: Endpoint, path: str, ca_file: str | None, tls: bool | None = None
) -> tuple[int, str | None]:
    """(status, Location header) of GET `path`, like `curl --resolve host:port:address`."""
    tls = end.tls if tls is None else tls
    port = end.port if tls == end.tls else end.http_port
    sock = socket.create_connection((end.address, port), timeout=10)
    if tls:
        context = ssl.create_default_context(cafile=ca_file)
        sock = context.wrap_socket(sock, server_hostname=end.host)
    conn = http.client.HTTPConnection(end.host, port, timeout=10)
    conn.sock = sock
    try:
        conn.request("GET", path, headers={"Host": end.host})
        response = conn.getresponse()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def smoke(end: Endpoint, ca_file: str | None = None, wait: int = 180) -> None:
    """/healthz and / answer 200; over TLS, plain HTTP answers with a redirect to HTTPS. A
    new certificate may take a while (Let's Encrypt): TLS errors are retried until `wait`."""
    deadline = time.monotonic() + wait
    for path in ("/healthz", "/"):
        while True:
            try:
                status, _ = fetch(end, path, ca_file)
                last = f"HTTP {status}"
                if status == 200:
                    break
            except (OSError, http.client.HTTPException) as exc:  # ssl.SSLError is an OSError
                last = str(exc)
            if time.monotonic() > deadline:
                raise ReleaseError(f"smoke test: {end.url}{path} did not answer 200 ({last})")
            time.sleep(3)
    checked = f"{end.url}/healthz and {end.url}/"
    if end.tls:
        status, location = fetch(end, "/healthz", ca_file, tls=False)
        if status not in (301, 308) or location != f"{end.url}/healthz":
            raise ReleaseError(
                f"smoke test: http://{end.host}/healthz answered {status} {location}, "
                f"not a redirect to {end.url}/healthz"
            )
        checked += ", HTTP redirected to HTTPS"
    say(f"smoke test passed: {checked}")


def deploy(target: Target, name: str | None = None) -> str:
    """Release `target` and return the public URL; ReleaseError names what went wrong."""
    clear_interrupted(target)
    _upgrade(target)
    check_sidecars(target)
    end = endpoint(target, name or f"{target.release}-web")
    smoke(end, target.ca_file)
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a") as fh:
            fh.write(f"url={end.url}\n")
    return end.url


# --- the gate in front of production -----------------------------------------------------


def gate_problems(check_runs: list[dict], required: list[str]) -> list[str]:
    """What keeps a commit from production: each required check (a job of pr.yml, run on
    this very commit by the merge queue) missing, unfinished or not successful."""
    latest: dict[str, dict] = {}
    for check in check_runs:  # newest first in the API; a re-run supersedes an older run
        latest.setdefault(check["name"], check)
    problems = []
    for name in required:
        run = latest.get(name)
        if run is None:
            problems.append(f"{name}: no check run on this commit")
        elif run.get("status") != "completed":
            problems.append(f"{name}: {run.get('status')}")
        elif run.get("conclusion") != "success":
            problems.append(f"{name}: {run.get('conclusion')}")
    return problems


def gate(repo: str, sha: str, required: list[str], token: str) -> None:
    url = f"https://api.github.com/repos/{repo}/commits/{sha}/check-runs?per_page=100"
    request = urllib.request.Request(  # noqa: S310 (a fixed https URL)
        url,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        runs = json.load(response)["check_runs"]
    problems = gate_problems(runs, required)
    if problems:
        raise ReleaseError(
            f"commit {sha} has not passed the checks production requires: " + "; ".join(problems)
        )
    say(f"commit {sha} passed {', '.join(required)}")


# --- command line -------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.release")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("deploy", help="helm upgrade --install, check the sidecars, smoke-test")
    d.add_argument("--registry", required=True, help="image registry, e.g. ghcr.io")
    d.add_argument("--tag", required=True, help="image tag of both app images")
    d.add_argument("-f", "--values", action="append", type=Path, default=[], required=True)
    d.add_argument("--set", dest="sets", action="append", default=[], help="helm --set")
    d.add_argument("--namespace", default="todo")
    d.add_argument("--release", default="todo")
    d.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    d.add_argument("--timeout", type=int, default=600, help="seconds helm waits (default 600)")
    d.add_argument("--stuck-after", type=int, default=60)
    d.add_argument("--helm", default=os.environ.get("HELM", "helm"))
    d.add_argument("--kubectl", default=os.environ.get("KUBECTL", "kubectl"))
    d.add_argument("--ca-file", help="a CA to trust for the smoke test (default: the system's)")
    g = sub.add_parser("gate", help="refuse a commit whose required checks did not pass")
    g.add_argument("--repo", required=True, help="owner/name")
    g.add_argument("--sha", required=True)
    g.add_argument("--require", action="append", required=True, help="a check (job) name")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "gate":
        try:
            gate(args.repo, args.sha, args.require, os.environ.get("GITHUB_TOKEN", ""))
        except (ReleaseError, urllib.error.URLError) as exc:
            print(f"::error::{exc}" if os.environ.get("GITHUB_ACTIONS") else exc, file=sys.stderr)
            return 1
        return 0
    target = Target(
        registry=args.registry, tag=args.tag, values=args.values, namespace=args.namespace,
        release=args.release, sets=args.sets, kubeconfig=args.kubeconfig, timeout=args.timeout,
        stuck_after=args.stuck_after, helm=args.helm, kubectl=args.kubectl, ca_file=args.ca_file,
    )  # fmt: skip
    try:
        url = deploy(target)
    except ReleaseError as exc:
        if os.environ.get("GITHUB_ACTIONS"):  # an annotation on the run's summary page
            print(f"::error::release failed: {str(exc).splitlines()[0]}", file=sys.stderr)
        print(f"release failed: {exc}", file=sys.stderr)
        return 1
    say(f"released {args.tag} at {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

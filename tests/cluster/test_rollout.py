"""`helm upgrade` to a new image tag while requests keep coming: none fails; `helm rollback`
brings the previous revision back."""

import subprocess
import threading
import time

import httpx

from devstack.cluster.lifecycle import Cluster
from tests.cluster.helpers import deployment_images, helm_upgrade, release_revision

# A bounded loop: at most this many requests, for at most this long.
MAX_REQUESTS = 5_000
MAX_SECONDS = 600


class RequestLoop(threading.Thread):
    """GET / and /healthz through the load balancer, one after the other, until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.sent = 0
        self.failures: list[str] = []

    def run(self) -> None:
        started = time.monotonic()
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set() and self.sent < MAX_REQUESTS:
                if time.monotonic() - started > MAX_SECONDS:
                    break
                path = "/healthz" if self.sent % 2 else "/"
                self.sent += 1
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError as exc:
                    self.failures.append(f"{path}: {exc!r}")
                    continue
                if status != 200:
                    self.failures.append(f"{path}: {status}")
                time.sleep(0.05)


def _retag(cluster: Cluster, old: str, new: str) -> None:
    """The same images under a new tag: a release with nothing else changed."""
    ctr = [str(cluster.bins.containerd / "ctr"), "--address",
           str(cluster.layout.containerd_socket), "-n", "k8s.io"]  # fmt: skip
    for repository in ("ghcr.io/todo-platform/todo-web", "ghcr.io/todo-platform/todo-worker"):
        subprocess.run([*ctr, "images", "tag", "--force", f"{repository}:{old}",
                        f"{repository}:{new}"], check=True, capture_output=True)  # fmt: skip


def test_an_upgrade_fails_no_request_and_a_rollback_restores(
    cluster: Cluster, app_url: str
) -> None:
    kube = cluster.kube
    before = deployment_images(kube)
    old_tag = next(iter(before)).rsplit(":", 1)[1]
    new_tag = f"{old_tag}-next"
    _retag(cluster, old_tag, new_tag)
    revision = release_revision(kube)

    loop = RequestLoop(app_url)
    loop.start()
    helm_upgrade(kube, f"image.tag={new_tag}")
    time.sleep(5)  # the old pods' last seconds, still under load
    loop.stop.set()
    loop.join()
    print(f"\n{loop.sent} requests during the upgrade, {len(loop.failures)} failed")
    assert loop.sent > 50
    assert not loop.failures, loop.failures[:10]
    assert {image.rsplit(":", 1)[1] for image in deployment_images(kube)} == {new_tag}

    kube.helm("rollback", "todo", str(revision), "--namespace", "todo", "--wait",
              "--timeout", "8m")  # fmt: skip
    assert deployment_images(kube) == before
    assert release_revision(kube) == revision + 2

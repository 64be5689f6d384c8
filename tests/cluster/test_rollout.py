"""`helm upgrade` to a new image tag while requests keep coming: none fails; `helm rollback`
brings the previous revision back."""

import subprocess
import time

from devstack.cluster.lifecycle import Cluster
from tests.cluster.helpers import RequestLoop, deployment_images, helm_upgrade, release_revision


def _retag(cluster: Cluster, images: set[str], new: str) -> None:
    """The same images under a new tag: a release with nothing else changed."""
    ctr = [str(cluster.bins.containerd / "ctr"), "--address",
           str(cluster.layout.containerd_socket), "-n", "k8s.io"]  # fmt: skip
    for repository, old in (image.rsplit(":", 1) for image in images):
        subprocess.run([*ctr, "images", "tag", "--force", f"{repository}:{old}",
                        f"{repository}:{new}"], check=True, capture_output=True)  # fmt: skip


def test_an_upgrade_fails_no_request_and_a_rollback_restores(
    cluster: Cluster, app_url: str
) -> None:
    kube = cluster.kube
    before = deployment_images(kube)
    old_tag = next(iter(before)).rsplit(":", 1)[1]
    new_tag = f"{old_tag}-next"
    _retag(cluster, before, new_tag)
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

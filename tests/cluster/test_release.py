"""The release path as production runs it, against the local cluster: app images pulled from a
registry that asks for a login over TLS (our CA), the workflow's entry point
(`python -m devstack.release deploy`), and the failures the pipeline must survive: each
ends non-zero with its cause named, rolled back, the previous version serving throughout."""

import base64
import json
import subprocess
import time

import pytest

from devstack.cluster import app, images, registry
from devstack.cluster.lifecycle import Cluster
from devstack.errors import StackError
from tests.cluster.helpers import NAMESPACE, RequestLoop, deployment_images, release_revision


def _release(cluster: Cluster, tag: str, *extra: str) -> subprocess.CompletedProcess[str]:
    kube = cluster.kube
    values = cluster.layout.root / "config" / "todo-images.yaml"
    argv = [*app.local_release_argv(kube, values, tag), "--stuck-after", "20", *extra]
    return app.run_release(kube, argv, capture=True)


def _status(cluster: Cluster) -> str:
    out = cluster.kube.helm("status", "todo", "--namespace", NAMESPACE, "-o", "json")
    return json.loads(out)["info"]["status"]


def test_the_app_images_come_from_the_registry_with_a_pull_secret(cluster: Cluster) -> None:
    kube = cluster.kube
    images = deployment_images(kube)
    assert images and all(i.startswith(f"{registry.ADDRESS}/todo-platform/") for i in images)
    deployment = kube.get("-n", NAMESPACE, "deployment", "todo-web")
    secrets = deployment["spec"]["template"]["spec"]["imagePullSecrets"]
    assert secrets == [{"name": registry.PULL_SECRET}]
    # Without the login the registry refuses, so the pull secret is what let the node pull.
    proc = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
         str(registry.ca_file(cluster.layout)), f"https://{registry.ADDRESS}/v2/_catalog"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.stdout == "401"


def test_a_tag_that_does_not_exist_is_rolled_back_and_named(cluster: Cluster, app_url: str) -> None:
    kube = cluster.kube
    before, revision = deployment_images(kube), release_revision(kube)
    loop = RequestLoop(app_url)
    loop.start()
    started = time.monotonic()
    result = _release(cluster, "no-such-tag")
    elapsed = time.monotonic() - started
    time.sleep(3)
    loop.stop.set()
    loop.join()
    output = result.stdout + result.stderr
    print(
        f"\nfailed release took {elapsed:.0f}s; {loop.sent} requests, {len(loop.failures)} failed"
    )
    assert result.returncode != 0
    assert "ErrImagePull" in output or "ImagePullBackOff" in output, output[-3000:]
    assert "no-such-tag" in output and "rolled back" in output
    assert deployment_images(kube) == before
    assert _status(cluster) == "deployed" and release_revision(kube) > revision
    assert loop.sent > 20
    assert not loop.failures, loop.failures[:10]


def test_a_failing_migration_is_rolled_back_with_its_cause_and_data_untouched(
    cluster: Cluster, app_url: str
) -> None:
    """The migrations Job runs against a database its user cannot log in to (a Secret whose
    MIGRATIONS_DATABASE_URL, the owner's, has the wrong password): a pre-upgrade hook, so no
    app pod changes."""
    kube = cluster.kube
    secret = kube.get("-n", NAMESPACE, "secret", app.SECRET)
    url = base64.b64decode(secret["data"]["MIGRATIONS_DATABASE_URL"]).decode()
    user, rest = url.split("://", 1)[1].split(":", 1)
    broken_url = url.replace(f"{user}:{rest.split('@', 1)[0]}@", f"{user}:wrong-password@")
    kube.kubectl("-n", NAMESPACE, "delete", "secret", "todo-secrets-broken", check=False)
    kube.kubectl(
        "-n", NAMESPACE, "create", "secret", "generic", "todo-secrets-broken",
        *(f"--from-literal={k}={base64.b64decode(v).decode()}" for k, v in secret["data"].items()
          if k != "MIGRATIONS_DATABASE_URL"),
        f"--from-literal=MIGRATIONS_DATABASE_URL={broken_url}",
    )  # fmt: skip
    before, revision = deployment_images(kube), release_revision(kube)
    tag = next(iter(before)).rsplit(":", 1)[1]
    loop = RequestLoop(app_url)
    loop.start()
    result = _release(cluster, tag, "--set", "secrets.existingSecret=todo-secrets-broken")
    loop.stop.set()
    loop.join()
    kube.kubectl("-n", NAMESPACE, "delete", "secret", "todo-secrets-broken", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "job/todo-migrations" in output, output[-3000:]
    assert "password authentication failed" in output, output[-3000:]
    assert _status(cluster) == "deployed" and release_revision(kube) > revision
    assert deployment_images(kube) == before
    assert not loop.failures, loop.failures[:10]


def test_an_unreachable_registry_fails_the_push_and_deploys_nothing(cluster: Cluster) -> None:
    kube, layout = cluster.kube, cluster.layout
    revision = release_revision(kube)
    # An image that is in buildah's storage (the one this tree builds), so that only the
    # registry can be what fails.
    archives = images.ensure_images()
    ref = next(r for r in archives if r.startswith(f"{images.WEB}:"))
    images.ensure_in_storage(ref, archives[ref])
    registry.stop(layout)
    try:
        with pytest.raises(StackError) as caught:
            registry.push(layout, ref, "todo-web", "unpushed")
        assert registry.ADDRESS in str(caught.value)
        assert "connection refused" in str(caught.value).lower(), str(caught.value)[-2000:]
    finally:
        registry.ensure_running(layout)
    assert release_revision(kube) == revision

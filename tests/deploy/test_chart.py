"""The chart lints, renders, validates against the Kubernetes and Dapr schemas, and says what
the platform needs: sidecar annotations, probes, hardening, hooks, no secret values."""

import base64
import re

import pytest
from chart_helpers import CHART, VALUES_FILES, documents, find, pod_specs, values_args

from devstack.parts import WORKER_APP_HEALTH

IDS = [v or "defaults" for v in VALUES_FILES]
TMP = "/tmp"  # noqa: S108 -- a mount path in a manifest, not a file this code opens


def test_the_state_store_outlasts_a_waking_database_and_its_idle_close(render):
    """Neon suspends idle computes (the first connection wakes one) and closes connections
    idle for 5 minutes: the component waits longer than Dapr's 5 s default to start, and
    retires idle connections before the server does."""
    comp = find(documents(render("values-cloud.yaml")), "Component", "statestore")
    meta = {m["name"]: m["value"] for m in comp["spec"]["metadata"] if "value" in m}
    assert comp["spec"]["initTimeout"] == "30s"
    assert meta["connectionMaxIdleTime"] == "4m"


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_helm_lint_strict(helm, values_file):
    proc = helm("lint", "--strict", str(CHART), *values_args(values_file))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_rendered_manifests_pass_kubeconform_strict(render, kubeconform, values_file):
    proc = kubeconform(stdin=render(values_file))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in proc.stdout, proc.stdout


def test_kubeconform_catches_an_unknown_field(render, kubeconform):
    # Proves the schemas are strict and actually consulted, for core kinds and Dapr CRDs.
    text = render("values-local.yaml")
    broken = text.replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 5\n  replica: 2", 1)
    proc = kubeconform(stdin=broken)
    assert proc.returncode != 0 and "replica" in proc.stdout, proc.stdout
    broken = text.replace("  type: pubsub.kafka", "  type: pubsub.kafka\n  typo: 1", 1)
    proc = kubeconform(stdin=broken)
    assert proc.returncode != 0 and "typo" in proc.stdout, proc.stdout


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_dapr_sidecar_annotations(render, values_file):
    docs = documents(render(values_file))
    expected = {
        "todo-web": {"dapr.io/app-id": "todo-web", "dapr.io/app-port": "8000",
                     "dapr.io/app-protocol": "http"},
        "todo-worker": {"dapr.io/app-id": "todo-worker", "dapr.io/app-port": "50051",
                        "dapr.io/app-protocol": "grpc"},
    }  # fmt: skip
    for name, specific in expected.items():
        ann = find(docs, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]
        for key, value in specific.items():
            assert ann[key] == value, (name, key)
        assert ann["dapr.io/enabled"] == "true"
        assert ann["dapr.io/config"] == "todo-config"
        assert ann["dapr.io/log-as-json"] == "true"
        for res in ("cpu-request", "memory-request", "cpu-limit", "memory-limit"):
            assert ann[f"dapr.io/sidecar-{res}"], res
        # Every annotation value must be a string, or the API server rejects the pod.
        assert all(isinstance(v, str) for v in ann.values()), ann


def test_probes(render):
    docs = documents(render("values-local.yaml"))
    web = find(docs, "Deployment", "todo-web")["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    worker = find(docs, "Deployment", "todo-worker")["spec"]["template"]["spec"]["containers"][0]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert worker[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    ports = {p["name"]: p["containerPort"] for p in worker["ports"]}
    assert ports == {"health": 8081}  # the app port is on loopback (worker.appPort)


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_worker_sidecar_probes_the_app_as_the_devstack_does(render, values_file):
    """Reminders due while the worker is down wait in the scheduler for the sidecar's app
    health check to see it back (issue 13): local and cloud probe the same way."""
    pod = find(documents(render(values_file)), "Deployment", "todo-worker")["spec"]
    ann = pod["template"]["metadata"]["annotations"]
    flags = iter(WORKER_APP_HEALTH)
    devstack = {}
    for flag in flags:
        name = flag.removeprefix("--")
        devstack[name] = "true" if name.startswith("enable-") else next(flags)
    assert devstack == {
        "enable-app-health-check": "true",
        "app-health-probe-interval": "1",
        "app-health-probe-timeout": "1000",
        "app-health-threshold": "3",
    }
    assert {k: ann.get(f"dapr.io/{k}") for k in devstack} == devstack


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_every_pod_is_hardened(render, values_file):
    for workload, template in pod_specs(documents(render(values_file))).items():
        pod = template["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, workload
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, workload
        assert pod["securityContext"]["runAsUser"] > 0, workload
        assert pod.get("automountServiceAccountToken") is False, workload
        for container in pod["containers"]:
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, workload
            assert sc["capabilities"] == {"drop": ["ALL"]}, workload
            assert container["resources"]["limits"] and container["resources"]["requests"]


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_app_containers_have_read_only_roots_with_writable_tmp(render, values_file):
    docs = documents(render(values_file))
    for workload, template in pod_specs(docs).items():
        if "kafka" in workload:
            continue  # local-only broker: its image writes its config at start (see template)
        pod = template["spec"]
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, workload
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert TMP in mounts, workload
            assert "emptyDir" in volumes[mounts[TMP]], workload


def test_cloud_serves_web_only_over_https_through_the_ingress(render, kubeconform):
    """Sign-in, passwords and the session cookie must not cross the internet in clear: the
    cloud's web Service has no address of its own; the ingress controller ends TLS with a
    certificate cert-manager gets from Let's Encrypt."""
    text = render("values-cloud.yaml")
    docs = documents(text)
    svc = find(docs, "Service", "todo-web")
    assert svc["spec"]["type"] == "ClusterIP"
    route = find(docs, "Ingress", "todo-web")
    assert route["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert route["spec"]["ingressClassName"] == "traefik"
    assert route["spec"]["tls"] == [{"hosts": ["todo.example.com"], "secretName": "todo-web-tls"}]
    backend = route["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "todo-web", "port": {"name": "http"}}
    proc = kubeconform(stdin=text)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A local cluster serves plain HTTP on its own LoadBalancer (MetalLB on `make cluster`).
    local = documents(render("values-local.yaml"))
    assert find(local, "Service", "todo-web")["spec"]["type"] == "LoadBalancer"
    assert not [d for d in local if d["kind"] == "Ingress"]


def test_sidecars_do_not_load_the_builtin_kubernetes_secret_store(render):
    """The pods mount no API token; daprd exits at start if it tries to build that store."""
    for name in ("todo-web", "todo-worker"):
        pod = find(documents(render("values-local.yaml")), "Deployment", name)["spec"]["template"]
        annotations = pod["metadata"]["annotations"]
        assert annotations["dapr.io/disable-builtin-k8s-secret-store"] == "true"
        assert pod["spec"]["automountServiceAccountToken"] is False


def test_web_pods_leave_the_load_balancer_before_they_stop(render):
    """A rollout loses no request: the endpoint is removed while the old pod still serves."""
    pod = find(documents(render("values-local.yaml")), "Deployment", "todo-web")["spec"]
    web = pod["template"]["spec"]["containers"][0]
    assert web["lifecycle"]["preStop"]["sleep"]["seconds"] >= 5


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_sidecars_outlast_their_apps_draining(render, values_file):
    """A terminating pod's sidecar keeps serving while its app finishes (a sign-up met a
    stopped sidecar during a rollout: 503): longer than the web app's preStop pause."""
    docs = documents(render(values_file))
    for name, at_least in (("todo-web", 10), ("todo-worker", 10)):
        pod = find(docs, "Deployment", name)["spec"]["template"]
        duration = pod["metadata"]["annotations"]["dapr.io/block-shutdown-duration"]
        assert re.fullmatch(r"\d+s", duration), duration
        assert int(duration[:-1]) >= at_least, f"{name}: {duration}"
        grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
        assert int(duration[:-1]) < grace, f"{name}: the kubelet would kill it first"


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_migrations_run_as_a_pre_install_pre_upgrade_hook(render, values_file):
    job = find(documents(render(values_file)), "Job", "todo-migrations")
    ann = job["metadata"]["annotations"]
    assert ann["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert ann["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["alembic", "upgrade", "head"]
    assert container["image"].split(":")[0].endswith("/todo-web")
    assert job["spec"]["template"]["metadata"]["annotations"]["dapr.io/enabled"] == "false"


def test_local_infra_exists_only_in_local_values(render):
    def kinds(values_file):
        return {(d["kind"], d["metadata"]["name"]) for d in documents(render(values_file))}

    local = kinds("values-local.yaml")
    assert {("StatefulSet", "todo-kafka"), ("StatefulSet", "todo-postgres")} <= local
    assert not {n for k, n in kinds("values-cloud.yaml") if k == "StatefulSet"}


SENSITIVE_ENV = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_URL|CONNECTION|BROKERS", re.I)
SENSITIVE_DAPR = {"brokers", "saslUsername", "saslPassword", "connectionString"}


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_no_secret_value_is_rendered(render, values_file):
    text = render(values_file)
    docs = documents(text)
    # The one Secret the chart makes holds a random token it generates (Dapr's app API
    # token); every other secret comes from the user's Secret.
    made = [d for d in docs if d["kind"] == "Secret"]
    assert [(d["metadata"]["name"], list(d["data"])) for d in made] == [
        ("todo-app-token", ["token"])
    ], "the chart must not create Secrets from values"
    for workload, template in pod_specs(docs).items():
        spec = template["spec"]
        for container in spec["containers"] + spec.get("initContainers", []):
            for env in container.get("env", []):
                if SENSITIVE_ENV.search(env["name"]):
                    assert "value" not in env, (workload, env)
                    ref = env["valueFrom"]["secretKeyRef"]["name"]
                    assert ref == (
                        "todo-app-token" if env["name"] == "APP_API_TOKEN" else "todo-secrets"
                    )
    for comp in (d for d in docs if d["kind"] == "Component"):
        for item in comp["spec"]["metadata"]:
            if item["name"] in SENSITIVE_DAPR:
                assert "value" not in item and "secretKeyRef" in item, item
    # Credentials inside a URL or a libpq string would show up like this (a shell's
    # reference to a variable from the Secret, `password="$X"`, is not one).
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@|password=(?!\"\$)\S", text)


def test_cloud_pubsub_uses_sasl_scram_over_tls(render):
    comp = find(documents(render("values-cloud.yaml")), "Component", "pubsub")
    meta = {m["name"]: m for m in comp["spec"]["metadata"]}
    assert meta["authType"]["value"] == "password"
    assert meta["saslMechanism"]["value"] == "SHA-256"
    assert meta["disableTls"]["value"] == "false"
    assert meta["saslPassword"]["secretKeyRef"] == {
        "name": "todo-secrets",
        "key": "KAFKA_SASL_PASSWORD",
    }
    assert "caCert" not in meta, "a public CA needs no caCert"


def test_the_in_cluster_kafka_takes_only_scram_logins(render):
    """values-local.yaml: the pub/sub component logs in (SCRAM-SHA-256, plain TCP inside the
    cluster) with the Secret's login, which the broker's pod makes; no plaintext listener
    faces the pods, and the controller answers on the pod's loopback only."""
    docs = documents(render("values-local.yaml"))
    meta = {m["name"]: m for m in find(docs, "Component", "pubsub")["spec"]["metadata"]}
    assert meta["authType"]["value"] == "password"
    assert meta["saslMechanism"]["value"] == "SHA-256"
    assert meta["disableTls"]["value"] == "true"
    assert meta["saslUsername"]["secretKeyRef"]["key"] == "KAFKA_SASL_USERNAME"
    broker = find(docs, "StatefulSet", "todo-kafka")["spec"]["template"]["spec"]
    env = {e["name"]: e for e in broker["containers"][0]["env"]}
    listeners = env["KAFKA_LISTENERS"]["value"].split(",")
    assert [item for item in listeners if not item.split("://")[1].startswith("127.0.0.1:")] == [
        "SASL_PLAINTEXT://:9092"
    ]
    assert env["SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "KAFKA_SASL_PASSWORD"
    assert env["KAFKA_SASL_ENABLED_MECHANISMS"]["value"] == "SCRAM-SHA-256"


def test_the_in_cluster_kafka_refuses_to_render_without_a_login(helm):
    proc = helm("template", "todo", str(CHART), *values_args("values-local.yaml"),
                "--set", "kafka.authType=none")  # fmt: skip
    assert proc.returncode != 0
    assert "set kafka.authType=password" in proc.stderr, proc.stderr


PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_a_private_kafka_ca_reaches_the_pubsub_component(render):
    docs = documents(render("values-cloud.yaml", "--set-string", f"kafka.caCert={PEM}"))
    meta = {m["name"]: m for m in find(docs, "Component", "pubsub")["spec"]["metadata"]}
    assert meta["caCert"]["value"] == PEM


def _pg_ca_env(container: dict) -> str:
    return next(e["value"] for e in container["env"] if e["name"] == "PGSSLROOTCERT")


def test_a_private_postgres_ca_reaches_the_apps_the_migrations_and_the_state_store(render):
    docs = documents(render("values-cloud.yaml", "--set-string", f"postgres.caCert={PEM}"))
    config_map = find(docs, "ConfigMap", "todo-pg-ca")
    assert config_map["data"]["ca.crt"] == PEM
    # A hook before the migrations Job, which runs before ordinary resources on an install.
    hook = config_map["metadata"]["annotations"]
    assert "pre-install" in hook["helm.sh/hook"] and int(hook["helm.sh/hook-weight"]) < 0
    for name, template in pod_specs(docs).items():
        spec = template["spec"]
        app = spec["containers"][0]
        assert _pg_ca_env(app) == "/etc/todo/pg-ca/ca.crt", name
        assert {"name": "pg-ca", "mountPath": "/etc/todo/pg-ca", "readOnly": True} in app[
            "volumeMounts"
        ], name
        assert {"name": "pg-ca", "configMap": {"name": "todo-pg-ca"}} in spec["volumes"], name
    for name in ("todo-web", "todo-worker"):
        annotations = find(docs, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]
        assert annotations["dapr.io/volume-mounts"] == "pg-ca:/etc/todo/pg-ca"
        assert annotations["dapr.io/env"] == "PGSSLROOTCERT=/etc/todo/pg-ca/ca.crt"


def test_without_a_private_ca_the_apps_verify_postgres_with_the_image_roots(render):
    """asyncpg does not fall back to the system roots for sslmode=verify-full (pgx does)."""
    docs = documents(render("values-cloud.yaml"))
    assert not [d for d in docs if d["kind"] == "ConfigMap" and "pg-ca" in d["metadata"]["name"]]
    for name, template in pod_specs(docs).items():
        assert (
            _pg_ca_env(template["spec"]["containers"][0]) == "/etc/ssl/certs/ca-certificates.crt"
        ), name
    web = find(docs, "Deployment", "todo-web")["spec"]["template"]["metadata"]["annotations"]
    assert "dapr.io/env" not in web


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "web.service.type=Foo"], "web/service/type"),
        # Dapr reads any other spelling as PLAIN, silently.
        (["--set", "kafka.saslMechanism=SCRAM-SHA-256"], "kafka/saslMechanism"),
        (["--set", "postgres.caCert=not-a-pem"], "postgres/caCert"),
        (["--set-json", 'web.replicas="two"'], "web/replicas"),
        (["--set", "web.replicas=2"], "redisUrl"),
        (["--set", "web.autoscaling.enabled=true"], "redisUrl"),
        (["--set", "kafka.authType=scram"], "kafka/authType"),
        (["--set", "kafka.caCert=not-a-pem"], "kafka/caCert"),
        (["--set", "worker.dapr.appId=other"], "worker/dapr/appId"),
        (["--set", "web.replicaz=1"], "replicaz"),
        (["--set", "securityContext.allowPrivilegeEscalation=true"], "allowPrivilegeEscalation"),
        (["--set", "web.ingress.clusterIssuer=Lets_Encrypt"], "web/ingress/clusterIssuer"),
        (["--set", "web.dapr.blockShutdownDuration=15"], "web/dapr/blockShutdownDuration"),
    ],
)
def test_values_schema_rejects_wrong_values(helm, args, message):
    proc = helm("template", "todo", str(CHART), *args)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr


def test_templates_refuse_many_replicas_without_redis_even_without_the_schema(helm):
    proc = helm(
        "template", "todo", str(CHART), "--skip-schema-validation", "--set", "web.replicas=3"
    )
    assert proc.returncode != 0 and "requires web.redisUrl" in proc.stderr, proc.stderr


def test_many_replicas_with_redis_render(render):
    docs = documents(render("values-cloud.yaml", "--set", "web.replicas=3",
                            "--set", "web.redisUrl=redis://redis:6379/0"))  # fmt: skip
    web = find(docs, "Deployment", "todo-web")
    assert web["spec"]["replicas"] == 3
    env = {
        e["name"]: e.get("value") for e in web["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["REFLEX_REDIS_URL"] == "redis://redis:6379/0"


def test_names_fit_in_63_characters_with_the_longest_release_name(render):
    release = "r" * 53  # Helm's own limit for a release name
    for doc in documents(render("values-local.yaml", release=release)):
        assert len(doc["metadata"]["name"]) <= 63, doc["metadata"]["name"]
        for value in doc["metadata"].get("labels", {}).values():
            assert len(value) <= 63, value
    # The Dapr app ids must not follow the release name: scopes and subscriptions use them.
    names = {d["metadata"]["name"] for d in documents(render("values-local.yaml", release=release))}
    assert {"pubsub", "statestore", "todo-config", "todo-resiliency"} <= names


def test_optional_hpa_and_ingress_render_valid_manifests(render, kubeconform):
    text = render(
        "values-cloud.yaml",
        *("--set", "web.redisUrl=redis://redis:6379/0", "--set", "web.autoscaling.enabled=true"),
        *("--set", "worker.autoscaling.enabled=true", "--set", "web.ingress.enabled=true"),
        *("--set", "web.ingress.tlsSecretName=todo-tls"),
    )
    docs = documents(text)
    assert {d["kind"] for d in docs} >= {"HorizontalPodAutoscaler", "Ingress"}
    assert "replicas" not in find(docs, "Deployment", "todo-web")["spec"]
    proc = kubeconform(stdin=text)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_ingress_with_a_cluster_issuer_asks_cert_manager_for_its_certificate(
    render, kubeconform
):
    """cert-manager's ingress-shim issues a Certificate for each tls entry of an Ingress
    that names a ClusterIssuer: the chart must give both, with the host in the entry."""
    ingress = ("--set", "web.ingress.enabled=true", "--set", "web.ingress.className=traefik")
    issuer = ("--set", "web.ingress.clusterIssuer=letsencrypt-prod")
    own = ("--set-json", 'web.ingress.annotations={"example.com/keep":"yes"}')
    text = render("values-local.yaml", *ingress, *issuer, *own)
    found = find(documents(text), "Ingress", "todo-web")
    assert found["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "letsencrypt-prod",
        "example.com/keep": "yes",
    }
    spec = found["spec"]
    assert spec["ingressClassName"] == "traefik"
    assert spec["tls"] == [{"hosts": ["todo.example.com"], "secretName": "todo-web-tls"}]
    assert spec["rules"][0]["host"] == "todo.example.com"
    proc = kubeconform(stdin=text)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    named = render("values-local.yaml", *ingress, *issuer, "--set", "web.ingress.tlsSecretName=s")
    assert find(documents(named), "Ingress", "todo-web")["spec"]["tls"][0]["secretName"] == "s"
    # Without an issuer (the default) nothing asks cert-manager for anything.
    plain = find(documents(render("values-local.yaml", *ingress)), "Ingress", "todo-web")
    assert "tls" not in plain["spec"] and not plain["metadata"].get("annotations")


def test_a_component_change_rolls_the_pods_instead_of_hot_reloading_them(render):
    """With Dapr's HotReload a release's bad Component (wrong Kafka credentials) stopped the
    running version's sidecars too; found by the cloud-shaped rehearsal."""
    docs = documents(render("values-cloud.yaml"))
    features = find(docs, "Configuration", "todo-config")["spec"]["features"]
    assert {"name": "HotReload", "enabled": False} in features
    changed = documents(render("values-cloud.yaml", "--set-string", f"kafka.caCert={PEM}"))
    for name in ("todo-web", "todo-worker"):
        before = find(docs, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]
        after = find(changed, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]
        assert before["checksum/dapr-components"] != after["checksum/dapr-components"], name


def test_the_worker_takes_deliveries_only_from_its_sidecar(render):
    """Forged events and job triggers from another pod (issue 22): the app port is not
    declared (the worker binds it on loopback) and the sidecar and the worker share Dapr's
    app API token from one Secret, which the worker checks on every delivery."""
    for values in ("values-local.yaml", "values-cloud.yaml"):
        docs = documents(render(values))
        pod = find(docs, "Deployment", "todo-worker")["spec"]["template"]
        secret_name = pod["metadata"]["annotations"]["dapr.io/app-token-secret"]
        secret = find(docs, "Secret", secret_name)
        assert len(base64.b64decode(secret["data"]["token"])) >= 32
        worker = pod["spec"]["containers"][0]
        env = {e["name"]: e for e in worker["env"]}
        ref = env["APP_API_TOKEN"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": secret_name, "key": "token"}, values
        assert [p["name"] for p in worker["ports"]] == ["health"], values
        assert "APP_HOST" not in env  # the worker's default: 127.0.0.1


def test_the_local_redis_requires_the_password_the_web_app_gets_from_the_secret(render):
    """Redis holds the UI state that says which user a tab is (issue 22): the local one asks
    for a password, and the web app's URL takes it from the Secret, never from values."""
    docs = documents(render("values-local.yaml"))
    redis = find(docs, "Deployment", "todo-redis")["spec"]["template"]["spec"]["containers"][0]
    args = redis["args"]
    assert args[args.index("--requirepass") + 1] == "$(REDIS_PASSWORD)"
    assert args[args.index("--protected-mode") + 1] == "yes"
    assert redis["env"][0]["valueFrom"]["secretKeyRef"] == {
        "name": "todo-secrets", "key": "REDIS_PASSWORD"
    }  # fmt: skip
    web = find(docs, "Deployment", "todo-web")["spec"]["template"]["spec"]["containers"][0]
    names = [e["name"] for e in web["env"]]
    # Kubernetes expands $(REDIS_PASSWORD) only from a variable defined before it.
    assert names.index("REDIS_PASSWORD") < names.index("REFLEX_REDIS_URL")
    url = next(e["value"] for e in web["env"] if e["name"] == "REFLEX_REDIS_URL")
    assert url == "redis://:$(REDIS_PASSWORD)@todo-redis:6379"
    # A URL without the placeholder (a Redis without a password) adds no Secret key.
    plain = documents(render("values-cloud.yaml", "--set", "web.redisUrl=redis://r:6379"))
    env = find(plain, "Deployment", "todo-web")["spec"]["template"]["spec"]["containers"][0]
    assert "REDIS_PASSWORD" not in [e["name"] for e in env["env"]]


def test_the_web_app_knows_its_public_https_origin_and_its_proxy(render):
    """Behind the cloud's Ingress: PUBLIC_URL is https://<host> (CORS origin, __Host- Secure
    cookie, HSTS), the client address comes from Traefik's X-Forwarded-For, and the
    throttling counts go to the replicas' shared Redis."""
    redis = ("--set", "web.redisUrl=rediss://default:$(REDIS_PASSWORD)@r.example.com:6380")
    cloud = find(documents(render("values-cloud.yaml", *redis)), "Deployment", "todo-web")
    env = {
        e["name"]: e.get("value") for e in cloud["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["PUBLIC_URL"] == "https://todo.example.com"
    assert env["TRUSTED_PROXY_HOPS"] == "1"
    assert env["THROTTLE_STORAGE_URL"] == "$(REFLEX_REDIS_URL)"
    names = list(env)
    assert (
        names.index("REDIS_PASSWORD")
        < names.index("REFLEX_REDIS_URL")
        < names.index("THROTTLE_STORAGE_URL")
    )
    # The local values: plain HTTP on the web's own LoadBalancer, no proxy to trust.
    local = find(documents(render("values-local.yaml")), "Deployment", "todo-web")
    local_env = {e["name"] for e in local["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert not {"PUBLIC_URL", "TRUSTED_PROXY_HOPS"} & local_env

"""Every pinned version of a runtime part, in one place."""

DAPR_RUNTIME = "1.18.3"  # also pinned in devstack/daprd/go.mod (and what it replaces, why)
KAFKA = "4.2.2"  # also pinned in devstack/kafka/pom.xml
BUN = "1.4.4"
AXE_CORE = "4.14.1"  # the e2e accessibility audit (tests/e2e/test_accessibility.py)
UV = "0.13.9"
POSTGRES_MAJOR = "15"  # Debian bookworm's server
# The trace and metrics stores (devstack/observability.py)
ZIPKIN = "3.6.1"  # io.zipkin:zipkin-server exec jar, Maven Central
VICTORIAMETRICS = "v1.151.0"  # Go module; newer ones need a newer Go than 1.26

# The local Kubernetes cluster (devstack/cluster): each also pinned in the go.mod of
# devstack/cluster/gomod/<part>/, which `go mod tidy` resolved against it.
KUBERNETES = "1.37.2"  # staging modules at v0.37.2
CONTAINERD = "2.3.7"
ETCD = "3.6.16"
COREDNS = "1.13.2"
METALLB = "0.15.3"
# Kubernetes' build/pause tag: containerd's default sandbox image is registry.k8s.io/pause:3.10.2
PAUSE = "3.10.2"
# The release rehearsal's OCI registry (CNCF distribution), standing in for GHCR.
REGISTRY = "3.1.2"
# The ingress in front of the web app. Traefik v3.7.13 is the newest tag the module proxy
# lists, but it (like 3.7.11-12) needs a containous/go-http-auth commit and DNS-provider SDK
# versions the proxy does not serve: 3.7.10 is the newest whose whole build graph it serves.
TRAEFIK = "3.7.10"
CERT_MANAGER = "1.20.3"
# The NetworkPolicy controller beside the bridge CNI (only --run-firewall). v2.10.0: the
# newest release whose module the Go proxy serves whole; v2.1.0 has reported security flaws.
KUBE_ROUTER = "2.10.0"  # why not 1.21.2: devstack/cluster/gomod/cert-manager/go.mod

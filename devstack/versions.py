"""Every pinned version of a runtime part, in one place."""

DAPR_RUNTIME = "1.18.2"  # also pinned in devstack/daprd/go.mod
KAFKA = "4.2.2"  # also pinned in devstack/kafka/pom.xml
BUN = "1.4.4"
UV = "0.13.9"
POSTGRES_MAJOR = "15"  # Debian bookworm's server

"""The local runtime: provisions and runs PostgreSQL, Kafka, the Dapr scheduler, and the two
apps beside their daprd sidecars, all as plain processes on this machine."""

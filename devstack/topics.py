"""Create the platform's Kafka topics and their dead-letter topics: the documented step before
a first release on a Kafka that does not create topics itself (Redpanda Cloud's default, and
this project's own brokers). Safe to run again: existing topics are left as they are.

    KAFKA_BROKERS=host:9092 KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD=… \\
        python -m devstack.topics [--ca-file ca.pem] [--plaintext]

With Redpanda Cloud, `rpk topic create` with the same names and partition counts does the
same (docs/deploy.md).
"""

import argparse
import os
import sys

from confluent_kafka.admin import AdminClient, NewTopic

from devstack.parts import TOPICS

# librdkafka's settings, typed as confluent-kafka's AdminClient takes them
Config = dict[str, str | int | float | bool]


def client_config(args: argparse.Namespace) -> Config:
    config: Config = {"bootstrap.servers": args.brokers}
    if not args.plaintext:
        config.update(
            {
                "security.protocol": "SASL_SSL",
                "sasl.mechanisms": "SCRAM-SHA-256",
                "sasl.username": args.username,
                "sasl.password": args.password,
            }
        )
        if args.ca_file:
            config["ssl.ca.location"] = args.ca_file
    return config


def create(config: Config, replication: int = -1) -> list[str]:
    """Create what is missing; returns the names created. Raises on any other failure."""
    admin = AdminClient(config)
    existing = admin.list_topics(timeout=15).topics
    missing = [
        NewTopic(name, num_partitions=partitions, replication_factor=replication)
        for name, partitions in TOPICS.items()
        if name not in existing
    ]
    if not missing:
        return []
    for name, future in admin.create_topics(missing, request_timeout=30).items():
        try:
            future.result(timeout=30)
        except Exception as exc:  # noqa: BLE001 (re-raised with the topic's name)
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise RuntimeError(f"creating topic {name} failed: {exc}") from exc
    return [topic.topic for topic in missing]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.topics", description=__doc__)
    parser.add_argument("--brokers", default=os.environ.get("KAFKA_BROKERS"))
    parser.add_argument("--username", default=os.environ.get("KAFKA_SASL_USERNAME"))
    parser.add_argument("--password", default=os.environ.get("KAFKA_SASL_PASSWORD"))
    parser.add_argument("--ca-file", help="CA of the brokers' certificate (default: system)")
    parser.add_argument("--plaintext", action="store_true", help="no SASL, no TLS (local)")
    parser.add_argument(
        "--replication", type=int, default=-1, help="replication factor (default: the broker's)"
    )
    args = parser.parse_args(argv)
    if not args.brokers:
        parser.error("set KAFKA_BROKERS or --brokers")
    if not args.plaintext and not (args.username and args.password):
        parser.error("SASL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or --plaintext)")
    try:
        created = create(client_config(args), args.replication)
    except Exception as exc:  # noqa: BLE001 (one clear line for the operator)
        print(f"topics: {exc}", file=sys.stderr)
        return 1
    print(f"topics: created {', '.join(created)}" if created else "topics: all present")
    return 0


if __name__ == "__main__":
    sys.exit(main())

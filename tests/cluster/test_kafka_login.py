"""Issue 22 item 3 on the cluster: the chart's in-cluster Kafka takes only SASL/SCRAM
logins. Kafka's own console consumer, in a pod the network policies let reach the broker,
reads the records the flow wrote with the release's login, and none without it or with a
wrong password."""

from devstack.cluster.kubectl import Kube
from tests.cluster.helpers import kafka_login, read_topic, records

TOPIC = "task-events"  # test_flow, which runs before, created tasks


def test_the_release_login_reads_the_records(kube: Kube) -> None:
    output = read_topic(kube, TOPIC, kafka_login(kube))
    assert records(output), output[-2000:]
    assert "exit=0" in output, output[-2000:]


def test_no_login_reads_nothing(kube: Kube) -> None:
    output = read_topic(kube, TOPIC, None)
    assert not records(output), "a client without a login read the topic"


def test_a_wrong_password_is_refused(kube: Kube) -> None:
    user, _ = kafka_login(kube)
    output = read_topic(kube, TOPIC, (user, "not-the-password"))
    assert not records(output), "a wrong password read the topic"
    assert "Authentication failed" in output, output[-2000:]

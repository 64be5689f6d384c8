#!/bin/bash
# Start a KRaft broker from the environment, as the apache/kafka image does: every KAFKA_*
# variable that is not a JVM option becomes a property (KAFKA_LOG_DIRS -> log.dirs; "__"
# stands for "_" and "___" for "-"), over single-node defaults; CLUSTER_ID formats the log
# directory on first start. SASL_USERNAME and SASL_PASSWORD (not KAFKA_*: those would become
# properties) make that user a SCRAM-SHA-256 login, set through the loopback-only INTERNAL
# listener once the broker answers, on every start: a log directory formatted before the
# user existed gets it too. The pod is ready only after that (the file SCRAM_READY).
set -euo pipefail

config=/opt/kafka/config/server.properties
classpath='/opt/kafka/libs/*'
declare -A props=(
  [node.id]=1
  [process.roles]=broker,controller
  [listeners]=PLAINTEXT://:9092,CONTROLLER://:9093
  [advertised.listeners]=PLAINTEXT://localhost:9092
  [controller.listener.names]=CONTROLLER
  [listener.security.protocol.map]=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
  [controller.quorum.voters]=1@localhost:9093
  [log.dirs]=/var/lib/kafka/data
  [offsets.topic.replication.factor]=1
  [transaction.state.log.replication.factor]=1
  [transaction.state.log.min.isr]=1
  [share.coordinator.state.topic.replication.factor]=1
  [share.coordinator.state.topic.min.isr]=1
)
not_properties=" KAFKA_HOME KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS \
KAFKA_LOG4J_OPTS KAFKA_JMX_OPTS KAFKA_DEBUG KAFKA_VERSION "

for name in $(compgen -e); do
  [[ $name == KAFKA_* && $not_properties != *" $name "* ]] || continue
  # Kubernetes' service links for a Service named "kafka" are not properties either.
  [[ $name == KAFKA_SERVICE_* || $name == KAFKA_PORT || $name == KAFKA_PORT_* ]] && continue
  key=${name#KAFKA_}
  key=${key,,}
  key=${key//___/-}
  key=${key//__/@}
  key=${key//_/.}
  props[${key//@/_}]=${!name}
done

: >"$config"
for key in "${!props[@]}"; do
  printf '%s=%s\n' "$key" "${props[$key]}" >>"$config"
done

log_dir=${props[log.dirs]%%,*}
if [[ ! -e $log_dir/meta.properties ]]; then
  cluster_id=${CLUSTER_ID:-$(java -cp "$classpath" kafka.tools.StorageTool random-uuid)}
  java -cp "$classpath" kafka.tools.StorageTool format --ignore-formatted \
    --cluster-id="$cluster_id" -c "$config"
fi

# shellcheck disable=SC2086  # the option variables hold several words
java ${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true} \
  ${KAFKA_OPTS:-} -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
  -cp "$classpath" kafka.Kafka "$config" &
broker=$!
trap 'kill -TERM "$broker"' TERM INT

SCRAM_READY=/tmp/scram-ready
rm -f "$SCRAM_READY"
if [[ -n ${SASL_USERNAME:-} ]]; then
  # On the command line: only this container's processes can see it. (ConfigCommand's
  # --add-config-file does not take SCRAM credentials.) The password must not hold "," or "]".
  until java -Xmx128m -cp "$classpath" kafka.admin.ConfigCommand \
    --bootstrap-server "${SCRAM_BOOTSTRAP:-127.0.0.1:9094}" --alter --entity-type users \
    --entity-name "$SASL_USERNAME" --add-config "SCRAM-SHA-256=[password=${SASL_PASSWORD}]" \
    >/tmp/scram.log 2>&1; do
    kill -0 "$broker" 2>/dev/null || break
    sleep 2
  done
fi
if kill -0 "$broker" 2>/dev/null; then
  echo "ready${SASL_USERNAME:+: SCRAM-SHA-256 login for $SASL_USERNAME set}"
  touch "$SCRAM_READY"
fi

# `wait` returns early when the trap runs; wait again for the broker's own exit.
status=0
wait "$broker" || status=$?
if kill -0 "$broker" 2>/dev/null; then
  wait "$broker" || status=$?
fi
exit "$status"

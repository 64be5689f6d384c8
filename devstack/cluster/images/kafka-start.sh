#!/bin/bash
# Start a KRaft broker from the environment, as the apache/kafka image does: every KAFKA_*
# variable that is not a JVM option becomes a property (KAFKA_LOG_DIRS -> log.dirs; "__"
# stands for "_" and "___" for "-"), over single-node defaults; CLUSTER_ID formats the log
# directory on first start.
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
exec java ${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true} \
  ${KAFKA_OPTS:-} -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
  -cp "$classpath" kafka.Kafka "$config"

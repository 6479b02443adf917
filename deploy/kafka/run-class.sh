#!/usr/bin/env bash
# Runs any class of the pinned Kafka jars (fetching them first if needed): the console
# producer/consumer, admin tools, ... Warnings and errors are logged to stderr.
#
#   deploy/kafka/run-class.sh CLASS [ARGS...]
#
# Examples (Kafka 3.9 class names):
#   deploy/kafka/run-class.sh kafka.tools.ConsoleProducer --bootstrap-server 127.0.0.1:9092 \
#       --topic enrol.raw.tax --property parse.key=true --property key.separator=:
#   deploy/kafka/run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer \
#       --bootstrap-server 127.0.0.1:9092 --topic enrol.events --from-beginning
#   deploy/kafka/run-class.sh kafka.admin.BrokerApiVersionsCommand --bootstrap-server 127.0.0.1:9092
#   deploy/kafka/run-class.sh org.apache.kafka.tools.MetadataQuorumCommand \
#       --bootstrap-server 127.0.0.1:9092 describe --status
#   deploy/kafka/run-class.sh org.apache.kafka.tools.GetOffsetShell \
#       --bootstrap-server 127.0.0.1:9092 --topic enrol.events
# KAFKA_TOOL_HEAP_OPTS sets the heap (default -Xmx256m).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if (($# == 0)) || [[ "$1" == -h || "$1" == --help ]]; then
  sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
  (($# > 0)) && exit 0
  exit 2
fi
ensure_jars
# shellcheck disable=SC2086
exec java ${KAFKA_TOOL_HEAP_OPTS:--Xmx256m} -Djava.awt.headless=true \
  -Dlog4j.configuration="file:$KAFKA_SCRIPT_DIR/tools-log4j.properties" \
  -cp "$KAFKA_LIBS/*" "$@"

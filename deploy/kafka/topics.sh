#!/usr/bin/env bash
# Creates or describes the project's Kafka topics with Kafka's own TopicCommand (from the
# jars cached by up.sh).
#
#   deploy/kafka/topics.sh create|describe|list [--bootstrap HOST:PORT[,...]] [--dir DIR]
#                          [--partitions P] [--raw-partitions Q] [--replication R]
#                          [-- EXTRA TopicCommand ARGS]
#
#   enrol.events        P partitions (default 16), keyed by person
#   enrol.incoming      P partitions, keyed by (source, record_id): what ingest hands the stage
#   enrol.receipts      1 partition, kept 7 days: what the stage made of each ingest run
#   enrol.deadletters   Q partitions (default 4)
#   enrol.raw.tax  enrol.raw.civil  enrol.raw.registry  enrol.raw.claims   Q partitions each
#
# Every topic but the receipts: cleanup.policy=delete, retention.ms=-1, retention.bytes=-1 (kept forever),
# replication factor R, min.insync.replicas=2 when R >= 3 else 1. R defaults to the node
# count of the cluster in DIR (default /tmp/enrol-kafka) when the bootstrap is that
# cluster, else 1. The bootstrap defaults to every node of that cluster, else
# 127.0.0.1:9092. create is idempotent (--if-not-exists): existing topics are left as they
# are. describe shows the enrol.* topics (add `-- --under-replicated-partitions` to see only
# partitions whose ISR is short); list lists every topic. On a secure cluster (up.sh
# --secure) it runs as the admin user (deploy/kafka/secure/java/admin.properties).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,21s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

EVENTS_TOPIC=enrol.events
OTHER_TOPICS=(enrol.deadletters enrol.raw.tax enrol.raw.civil enrol.raw.registry enrol.raw.claims)

action="" bootstrap="" partitions=16 raw_partitions=4 replication=""
extra=()
while (($#)); do
  case "$1" in
    create | describe | list) [[ -z "$action" ]] || usage_error "one action only"; action="$1"; shift ;;
    --bootstrap | --bootstrap-server) [[ $# -ge 2 ]] || usage_error "$1 needs HOST:PORT"; bootstrap="$2"; shift 2 ;;
    --bootstrap=* | --bootstrap-server=*) bootstrap="${1#*=}"; shift ;;
    --partitions) [[ $# -ge 2 ]] || usage_error "--partitions needs a number"; partitions="$2"; shift 2 ;;
    --raw-partitions) [[ $# -ge 2 ]] || usage_error "--raw-partitions needs a number"; raw_partitions="$2"; shift 2 ;;
    --replication) [[ $# -ge 2 ]] || usage_error "--replication needs a number"; replication="$2"; shift 2 ;;
    --dir) [[ $# -ge 2 ]] || usage_error "--dir needs a directory"; set_state_dir "$2"; shift 2 ;;
    --dir=*) set_state_dir "${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) usage_error "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -n "$action" ]] || usage_error "create, describe or list? (see --help)"
for v in "$partitions" "$raw_partitions" ${replication:+"$replication"}; do
  is_uint "$v" && ((v >= 1)) || usage_error "partition and replication counts must be positive numbers, got '$v'"
done

# Which cluster, and how many brokers it has when we know it.
known_nodes=""
if have_cluster; then
  load_cluster
  ours="$(bootstrap_servers)"
  if [[ -z "$bootstrap" ]]; then
    bootstrap="$ours"
    known_nodes="$NODES"
  else
    IFS=',' read -r -a given <<<"$bootstrap"
    for hp in "${given[@]}"; do
      [[ ",$ours," == *",$hp,"* || ",$ours," == *",${hp/localhost/127.0.0.1},"* ]] && known_nodes="$NODES"
    done
  fi
fi
bootstrap="${bootstrap:-127.0.0.1:9092}"
replication="${replication:-${known_nodes:-1}}"
if ((replication >= 3)); then min_isr=2; else min_isr=1; fi

ensure_jars

secure=()
[[ "$SECURE" != 1 ]] || secure=(--command-config "$SECURE_DIR/java/admin.properties")
topic_command() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" ${secure[@]+"${secure[@]}"} "$@"
}

case "$action" in
  create)
    log "creating topics on $bootstrap: replication $replication, min.insync.replicas $min_isr, partitions $EVENTS_TOPIC=$partitions others=$raw_partitions"
    create() {
      topic_command --create --if-not-exists --topic "$1" --partitions "$2" \
        --replication-factor "$replication" \
        --config cleanup.policy=delete --config retention.ms="${3:--1}" --config retention.bytes=-1 \
        --config min.insync.replicas="$min_isr" ${extra[@]+"${extra[@]}"} |
        { grep -v '^WARNING: Due to limitations in metric names' || true; }
    }
    create "$EVENTS_TOPIC" "$partitions"
    create enrol.incoming "$partitions"
    create enrol.receipts 1 604800000
    for t in "${OTHER_TOPICS[@]}"; do create "$t" "$raw_partitions"; done
    # TopicCommand is silent for topics that already existed; show the outcome.
    topic_command --list --topic 'enrol\..*'
    ;;
  describe)
    topic_command --describe --topic 'enrol\..*' ${extra[@]+"${extra[@]}"}
    ;;
  list)
    topic_command --list ${extra[@]+"${extra[@]}"}
    ;;
esac

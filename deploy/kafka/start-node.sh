#!/usr/bin/env bash
# Starts one stopped node of the local cluster again, on its existing data, and waits until
# the cluster lists it as a live broker (ENROL_KAFKA_TIMEOUT, default 120 s).
#
#   deploy/kafka/start-node.sh N [--dir DIR] [--timeout SECONDS]
#
# Starting a running node is not an error. The node rejoins as a follower; it is back in
# the ISR of its partitions once it has caught up (check with topics.sh describe).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

node=""
while (($#)); do
  case "$1" in
    --dir) [[ $# -ge 2 ]] || usage_error "--dir needs a directory"; set_state_dir "$2"; shift 2 ;;
    --dir=*) set_state_dir "${1#*=}"; shift ;;
    --timeout) [[ $# -ge 2 ]] || usage_error "--timeout needs seconds"; START_TIMEOUT="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage_error "unknown argument '$1' (see --help)" ;;
    *) [[ -z "$node" ]] || usage_error "one node number only"; node="$1"; shift ;;
  esac
done
[[ -n "$node" ]] || usage_error "which node? (deploy/kafka/start-node.sh N)"
is_uint "$START_TIMEOUT" || usage_error "--timeout must be a number of seconds"

load_cluster
check_node_arg "$node"
[[ "$CLUSTER_VERSION" == "$KAFKA_VERSION" ]] ||
  die "$STATE_DIR was formatted by Kafka $CLUSTER_VERSION, pom.xml pins $KAFKA_VERSION"
lock_state
if node_running "$node"; then
  log "node $node is already running (pid $(node_pid "$node"))"
  exit 0
fi
[[ -f "$(node_dir "$node")/data/meta.properties" ]] ||
  die "node $node has no formatted storage in $(node_dir "$node")/data; run up.sh --dir $STATE_DIR"
ensure_jars
launch_node "$node"
if ! wait_serving "$node"; then
  STOP_TIMEOUT=10 stop_nodes "$node"
  exit 1
fi
log "node $node serving on 127.0.0.1:$(node_port "$node")"

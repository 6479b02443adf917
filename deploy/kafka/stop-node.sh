#!/usr/bin/env bash
# Stops one node of the running local cluster, keeping its data, for fault tests (e.g. one
# broker of three going away during ingest). start-node.sh N brings it back.
#
#   deploy/kafka/stop-node.sh N [--dir DIR] [--kill]
#
# N is 1..nodes (node N's broker listens on 9092+N-1). Default: TERM, a clean shutdown
# that first moves partition leadership away; KILL after ENROL_KAFKA_STOP_TIMEOUT seconds.
# --kill sends KILL at once: a crash, which the cluster notices only after the broker
# session timeout (9 s by default). Stopping a stopped node is not an error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

node="" KILL=0
while (($#)); do
  case "$1" in
    --dir) [[ $# -ge 2 ]] || usage_error "--dir needs a directory"; set_state_dir "$2"; shift 2 ;;
    --dir=*) set_state_dir "${1#*=}"; shift ;;
    --kill) KILL=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage_error "unknown argument '$1' (see --help)" ;;
    *) [[ -z "$node" ]] || usage_error "one node number only"; node="$1"; shift ;;
  esac
done
[[ -n "$node" ]] || usage_error "which node? (deploy/kafka/stop-node.sh N)"

load_cluster
check_node_arg "$node"
lock_state
if ! node_running "$node"; then
  rm -f "$(node_dir "$node")/kafka.pid"
  log "node $node is not running"
  exit 0
fi
KILL="$KILL" stop_nodes "$node"

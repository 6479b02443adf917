#!/usr/bin/env bash
# Shows the nodes of the local cluster: port, controller port, pid or "stopped".
#
#   deploy/kafka/status.sh [--dir DIR]
#
# Exit status: 0 every node runs, 3 some or all nodes are stopped, 1 no cluster in DIR.
# Prints no Kafka query: it only looks at processes (fast; for scripts and humans).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while (($#)); do
  case "$1" in
    --dir) [[ $# -ge 2 ]] || usage_error "--dir needs a directory"; set_state_dir "$2"; shift 2 ;;
    --dir=*) set_state_dir "${1#*=}"; shift ;;
    -h | --help) sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) usage_error "unknown argument '$1' (see --help)" ;;
  esac
done

have_cluster || { log "no cluster in $STATE_DIR"; exit 1; }
load_cluster
echo "cluster $CLUSTER_ID, Kafka $CLUSTER_VERSION, $NODES node(s), state $STATE_DIR"
echo "bootstrap $(bootstrap_servers)"
down=0
for ((n = 1; n <= NODES; n++)); do
  if pid="$(node_pid "$n")"; then state="running pid $pid"; else state="stopped"; down=1; fi
  printf 'node %s  broker 127.0.0.1:%s  controller 127.0.0.1:%s  %s\n' \
    "$n" "$(node_port "$n")" "$(node_ctrl_port "$n")" "$state"
done
((down == 0)) || exit 3

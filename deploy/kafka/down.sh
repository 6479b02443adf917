#!/usr/bin/env bash
# Stops the local Kafka cluster started by up.sh and deletes its state dir (data, configs,
# logs). Idempotent: nothing running and nothing to delete is not an error.
#
#   deploy/kafka/down.sh [--dir DIR] [--keep-data]
#
# Every node gets TERM at once (a clean shutdown), and KILL after ENROL_KAFKA_STOP_TIMEOUT
# seconds (default 30). --keep-data stops the nodes but keeps the state dir, so that a
# later up.sh --dir DIR starts the same cluster on the same data.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

keep=0
while (($#)); do
  case "$1" in
    --dir) [[ $# -ge 2 ]] || usage_error "--dir needs a directory"; set_state_dir "$2"; shift 2 ;;
    --dir=*) set_state_dir "${1#*=}"; shift ;;
    --keep-data) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1' (see --help)" ;;
  esac
done

if [[ ! -d "$STATE_DIR" ]]; then
  log "nothing to do: $STATE_DIR does not exist"
  exit 0
fi
if [[ ! -f "$STATE_DIR/$MARKER" ]]; then
  die "$STATE_DIR was not made by deploy/kafka/up.sh (no $MARKER); not touching it"
fi

lock_state
if have_cluster; then
  load_cluster
  all=()
  for ((n = 1; n <= NODES; n++)); do all+=("$n"); done
  stop_nodes "${all[@]}"
fi

if ((keep)); then
  log "stopped; data kept in $STATE_DIR"
else
  # The lock file goes too; holding its fd while it is unlinked is harmless.
  rm -rf "$STATE_DIR"
  log "stopped; removed $STATE_DIR"
fi

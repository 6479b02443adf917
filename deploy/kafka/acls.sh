#!/usr/bin/env bash
# Grants the roles of a secure cluster (up.sh --secure) their ACLs, as the admin user.
# up.sh --secure runs it for the prefix "enrol"; run it for every other topic prefix
# (enrol ... --topics PREFIX) that the roles use.
#
#   deploy/kafka/acls.sh [--prefix PREFIX]... [--topics-only] [--bootstrap HOST:PORT,...] [--dir DIR]
#   deploy/kafka/acls.sh --list [--bootstrap HOST:PORT,...] [--dir DIR]
#
# For each PREFIX (default enrol), Kafka ACLs (literal topic names):
#   ingest  Write, Describe  PREFIX.incoming PREFIX.deadletters (not PREFIX.events: only the
#           stage appends events; Describe only); Read, Describe PREFIX.receipts
#           Read, Write, Describe  PREFIX.raw.tax .raw.civil .raw.registry .raw.claims
#   stage   Read, Describe   PREFIX.incoming PREFIX.events (its dedupe index)
#           Write, Describe  PREFIX.events PREFIX.deadletters PREFIX.receipts
#   worker  Read, Describe   PREFIX.events PREFIX.deadletters (projection, replay, rejects)
#           Read, Write, Describe  PREFIX.owners (enrol serve --brokers)
# and, unless --topics-only, for the cluster and the consumer groups:
#   ingest  IdempotentWrite on the cluster (the idempotent producer)
#   ingest  Read on the groups starting with "enrol-" (enrol stream: enrol-stream-SOURCE)
#   stage   Read on the groups and Write, Describe on the transactional ids starting with
#           "enrol-stage" (enrol stage --group enrol-stage...), IdempotentWrite on the cluster
#   worker  Read on every group (enrol project/serve --group G: joins and commits; a commit
#           also needs Read on the topic, so it cannot move the ingest's feed offsets)
# Everything else is denied (the admin is a super user). Adding an ACL that exists is a
# no-op, so this is idempotent. Bootstrap default: every node of the cluster in DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

prefixes=() bootstrap="" topics_only=0 list=0
while (($#)); do
  case "$1" in
    --prefix) [[ $# -ge 2 && -n "$2" ]] || usage_error "--prefix needs a topic prefix"; prefixes+=("$2"); shift 2 ;;
    --topics-only) topics_only=1; shift ;;
    --list) list=1; shift ;;
    --bootstrap | --bootstrap-server) [[ $# -ge 2 ]] || usage_error "$1 needs HOST:PORT"; bootstrap="$2"; shift 2 ;;
    --dir) [[ $# -ge 2 ]] || usage_error "--dir needs a directory"; set_state_dir "$2"; shift 2 ;;
    --dir=*) set_state_dir "${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1' (see --help)" ;;
  esac
done
((${#prefixes[@]} > 0)) || prefixes=(enrol)

if have_cluster; then
  load_cluster
  [[ -n "$bootstrap" ]] || bootstrap="$(bootstrap_servers)"
fi
bootstrap="${bootstrap:-127.0.0.1:9092}"
admin="$SECURE_DIR/java/admin.properties"
[[ -f "$admin" ]] || die "no $admin: start the cluster with deploy/kafka/up.sh --secure"
ensure_jars

# Each grant is a JVM of its own (about 3 s): they run side by side, and `wait` checks them.
pids=()
acl() {
  kafka_tool kafka.admin.AclCommand --bootstrap-server "$bootstrap" --command-config "$admin" "$@" >/dev/null &
  pids+=($!)
}

if ((list)); then
  kafka_tool kafka.admin.AclCommand --bootstrap-server "$bootstrap" --command-config "$admin" --list
  exit 0
fi

for p in "${prefixes[@]}"; do
  raw=()
  for feed in tax civil registry claims; do raw+=(--topic "$p.raw.$feed"); done
  log "ACLs for the topics $p.*: ingest writes incoming records, dead letters and feeds and reads receipts; the stage appends events; worker reads events and dead letters, and the owners topic"
  acl --add --allow-principal User:ingest --operation Write --operation Describe \
    --topic "$p.incoming" --topic "$p.deadletters"
  acl --add --allow-principal User:ingest --operation Read --operation Describe --topic "$p.receipts"
  acl --add --allow-principal User:ingest --operation Describe --topic "$p.events"
  acl --add --allow-principal User:stage --operation Read --operation Describe \
    --topic "$p.incoming" --topic "$p.events"
  acl --add --allow-principal User:stage --operation Write --operation Describe \
    --topic "$p.events" --topic "$p.deadletters" --topic "$p.receipts"
  acl --add --allow-principal User:ingest --operation Read --operation Write --operation Describe "${raw[@]}"
  acl --add --allow-principal User:worker --operation Read --operation Describe \
    --topic "$p.events" --topic "$p.deadletters"
  acl --add --allow-principal User:worker --operation Read --operation Write --operation Describe --topic "$p.owners"
done
if ((!topics_only)); then
  log "ACLs for the cluster and the groups: ingest IdempotentWrite, groups enrol-*; worker every group; stage groups and transactional ids enrol-stage*"
  acl --add --allow-principal User:ingest --operation IdempotentWrite --cluster
  acl --add --allow-principal User:ingest --operation Read --group enrol- --resource-pattern-type prefixed
  acl --add --allow-principal User:worker --operation Read --group '*'
  acl --add --allow-principal User:stage --operation IdempotentWrite --cluster
  acl --add --allow-principal User:stage --operation Read --group enrol-stage --resource-pattern-type prefixed
  acl --add --allow-principal User:stage --operation Write --operation Describe \
    --transactional-id enrol-stage --resource-pattern-type prefixed
fi
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
((failed == 0)) || die "$failed of ${#pids[@]} ACL grants failed (messages above)"

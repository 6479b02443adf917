#!/usr/bin/env bash
# End-to-end check of the deploy/kafka scripts against real brokers (about 2 minutes once
# the jars are cached):
#   1 node : up, up again (idempotent), topics create/describe, produce + consume with
#            Kafka's console producer/consumer, down
#   3 nodes: up, topics create --replication 3, every ISR has 3 replicas, stop-node 2,
#            produce (acks=all) + consume on the two left, start-node 2, ISR back to 3, down
#
#   deploy/kafka/selftest.sh [--dir DIR]
#
# Uses its own state dir (default: a new /tmp/enrol-kafka-selftest.XXXXXX) and, unless
# ENROL_KAFKA_PORT / ENROL_KAFKA_CONTROLLER_PORT say otherwise, ports 29092.. and 39092.. so
# that it does not collide with a development cluster on 9092. Ends with
# "N passed, N failed"; exit status 0 only when nothing failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

dir=""
while (($#)); do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    -h | --help) sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "usage: $0 [--dir DIR]" >&2; exit 2 ;;
  esac
done
[[ -n "$dir" ]] || dir="$(mktemp -d /tmp/enrol-kafka-selftest.XXXXXX)"
export ENROL_KAFKA_PORT="${ENROL_KAFKA_PORT:-29092}"
export ENROL_KAFKA_CONTROLLER_PORT="${ENROL_KAFKA_CONTROLLER_PORT:-39092}"
p1=$ENROL_KAFKA_PORT
p2=$((ENROL_KAFKA_PORT + 1))
p3=$((ENROL_KAFKA_PORT + 2))

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...
  local what="$1"
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
step() { echo "== $*"; }
cleanup() { "$here/down.sh" --dir "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT

produce() { # produce BOOTSTRAP TOPIC, KEY:VALUE lines on stdin
  "$here/run-class.sh" kafka.tools.ConsoleProducer --bootstrap-server "$1" --topic "$2" \
    --property parse.key=true --property key.separator=: \
    --producer-property acks=all --producer-property enable.idempotence=true
}
consume() { # consume BOOTSTRAP TOPIC COUNT: prints KEY:VALUE lines
  "$here/run-class.sh" org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$1" \
    --topic "$2" --from-beginning --max-messages "$3" --timeout-ms 60000 \
    --property print.key=true --property key.separator=: 2>/dev/null
}
isr_sizes() { # one line per partition: the size of its ISR
  "$here/topics.sh" describe --dir "$dir" 2>/dev/null |
    sed -n 's/.*\tIsr: \([0-9,]*\).*/\1/p' | awk -F, '{print NF}'
}
all_isr() { # all_isr N: every partition of the enrol.* topics has N in-sync replicas
  local sizes
  sizes="$(isr_sizes)"
  [[ -n "$sizes" ]] && ! grep -qvx "$1" <<<"$sizes"
}
port_closed() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

t0=$SECONDS
step "1 node in $dir (broker port $p1)"
check "up.sh --nodes 1" "$here/up.sh" --nodes 1 --dir "$dir"
boot="$("$here/up.sh" --dir "$dir" 2>/dev/null)"
check "up.sh again: exit 0, same bootstrap" test "$boot" = "127.0.0.1:$p1"
check "topics.sh create" "$here/topics.sh" create --dir "$dir"
check "topics.sh create again (idempotent)" "$here/topics.sh" create --dir "$dir"
desc="$("$here/topics.sh" describe --dir "$dir")"
check "6 enrol.* topics" test "$(grep -c '^Topic:' <<<"$desc")" = 6
check "enrol.events has 16 partitions" grep -q 'Topic: enrol.events.*PartitionCount: 16' <<<"$desc"
check "enrol.raw.tax has 4 partitions" grep -q 'Topic: enrol.raw.tax.*PartitionCount: 4' <<<"$desc"
check "retention.ms=-1, retention.bytes=-1, min.insync.replicas=1 everywhere" \
  test "$(grep '^Topic:' <<<"$desc" | grep 'retention.ms=-1' | grep 'retention.bytes=-1' | grep -c 'min.insync.replicas=1')" = 6
check "console producer" produce "$boot" enrol.raw.tax <<<$'p1:hello\np2:world\np3:again'
got="$(consume "$boot" enrol.raw.tax 3 | sort | tr '\n' ' ')"
check "console consumer reads the 3 records back ($got)" test "$got" = "p1:hello p2:world p3:again "
check "down.sh" "$here/down.sh" --dir "$dir"
check "state dir removed" test ! -e "$dir"
check "port $p1 closed" port_closed "$p1"

step "3 nodes in $dir (broker ports $p1 $p2 $p3)"
check "up.sh --nodes 3" "$here/up.sh" --nodes 3 --dir "$dir"
boot="$("$here/up.sh" --dir "$dir" 2>/dev/null)"
check "bootstrap lists the 3 brokers" test "$boot" = "127.0.0.1:$p1,127.0.0.1:$p2,127.0.0.1:$p3"
check "up.sh --nodes 1 on a 3-node dir refuses" bash -c "! '$here/up.sh' --nodes 1 --dir '$dir' 2>/dev/null"
check "topics.sh create --replication 3" "$here/topics.sh" create --replication 3 --dir "$dir"
desc="$("$here/topics.sh" describe --dir "$dir")"
check "replication factor 3, min.insync.replicas=2 on all 6 topics" \
  test "$(grep '^Topic:' <<<"$desc" | grep 'ReplicationFactor: 3' | grep -c 'min.insync.replicas=2')" = 6
check "every partition (36) has ISR 3" test "$(isr_sizes | grep -cx 3)" = 36
check "produce before the fault" produce "$boot" enrol.events <<<$'a:1\nb:2\nc:3'
check "stop-node.sh 2" "$here/stop-node.sh" 2 --dir "$dir"
check "status.sh reports node 2 stopped (exit 3)" bash -c "'$here/status.sh' --dir '$dir' >/dev/null; test \$? = 3"
check "port $p2 closed" port_closed "$p2"
check "produce with acks=all on 2 of 3 nodes" produce "$boot" enrol.events <<<$'d:4\ne:5\nf:6'
got="$(consume "$boot" enrol.events 6 | sort | tr '\n' ' ')"
check "consume all 6 on 2 of 3 nodes ($got)" test "$got" = "a:1 b:2 c:3 d:4 e:5 f:6 "
check "ISR shrank to 2 somewhere" bash -c "'$here/topics.sh' describe --dir '$dir' -- --under-replicated-partitions 2>/dev/null | grep -q Partition"
check "start-node.sh 2" "$here/start-node.sh" 2 --dir "$dir"
for ((i = 0; i < 60; i++)); do all_isr 3 && break; sleep 2; done
check "every partition back to ISR 3 after start-node" all_isr 3
check "stop-node.sh 3 --kill (a crash)" "$here/stop-node.sh" 3 --kill --dir "$dir"
check "up.sh restarts the missing node" "$here/up.sh" --dir "$dir"
check "status.sh: all running" "$here/status.sh" --dir "$dir"
check "down.sh" "$here/down.sh" --dir "$dir"
check "state dir removed" test ! -e "$dir"
for p in "$p1" "$p2" "$p3"; do check "port $p closed" port_closed "$p"; done
trap - EXIT

echo "selftest took $((SECONDS - t0))s"
echo "$passed passed, $failed failed"
((failed == 0))

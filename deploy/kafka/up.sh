#!/usr/bin/env bash
# Starts a local Apache Kafka 3.9 cluster in KRaft mode (combined broker+controller nodes)
# on 127.0.0.1 for development and tests. See deploy/kafka/README.md.
#
#   deploy/kafka/up.sh [--nodes 1|3] [--secure] [--dir DIR] [--timeout SECONDS] [--config KEY=VALUE]...
#
# Prints the bootstrap server list (e.g. 127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094) on
# stdout once every node serves; progress goes to stderr. Idempotent: when the cluster in
# DIR already runs it says so and exits 0; when it is stopped (or some nodes are) it starts
# the missing nodes on their existing data.
#
# --secure (a new cluster): the brokers listen with SASL_SSL only (SCRAM-SHA-512, TLS with a
# local CA), the ACL authorizer is on, and the users admin (super user), ingest, stage and worker
# are created with the ACLs of deploy/kafka/acls.sh for the topic prefix "enrol". CA,
# passwords and client settings are in deploy/kafka/secure/ (ENROL_KAFKA_SECURE_DIR):
#   enrol topics --brokers 127.0.0.1:9092 --kafka-config deploy/kafka/secure/admin.properties
#   ingest/stream: secure/ingest.properties; stage: secure/stage.properties;
#   project/serve/replay/rejects: secure/worker.properties
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

nodes_arg="" secure_arg=0
extra_config=()
while (($#)); do
  case "$1" in
    --nodes) [[ $# -ge 2 ]] || usage_error "--nodes needs 1 or 3"; nodes_arg="$2"; shift 2 ;;
    --nodes=*) nodes_arg="${1#*=}"; shift ;;
    --secure) secure_arg=1; shift ;;
    --dir) [[ $# -ge 2 ]] || usage_error "--dir needs a directory"; set_state_dir "$2"; shift 2 ;;
    --dir=*) set_state_dir "${1#*=}"; shift ;;
    --timeout) [[ $# -ge 2 ]] || usage_error "--timeout needs seconds"; START_TIMEOUT="$2"; shift 2 ;;
    --config) [[ $# -ge 2 && "$2" == *=* ]] || usage_error "--config needs KEY=VALUE"; extra_config+=("$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -z "$nodes_arg" || "$nodes_arg" == 1 || "$nodes_arg" == 3 ]] || usage_error "--nodes must be 1 or 3, got '$nodes_arg'"
is_uint "$START_TIMEOUT" || usage_error "--timeout must be a number of seconds"

write_server_properties() {
  local n="$1" nd rf misr voters="" i
  nd="$(node_dir "$n")"
  if ((NODES >= 3)); then rf=3 misr=2; else rf=1 misr=1; fi
  for ((i = 1; i <= NODES; i++)); do voters+="${voters:+,}$i@127.0.0.1:$(node_ctrl_port "$i")"; done
  mkdir -p "$nd/data" "$nd/logs"
  cat >"$nd/server.properties" <<EOF
# Node $n of a $NODES-node local KRaft cluster, written by deploy/kafka/up.sh
# (Apache Kafka $KAFKA_VERSION). Kept across restarts of this state dir; down.sh removes it.

# --- KRaft: every node is both broker and controller (no ZooKeeper)
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER

$(listener_properties "$n")

# --- storage (metadata log lives in the first log dir)
log.dirs=$nd/data

# --- topics: created explicitly by deploy/kafka/topics.sh, never by a client's request
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$misr
unclean.leader.election.enable=false

# --- internal topics
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$misr

# --- small machine (2 cores): fewer threads; tests want groups to start at once
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
group.initial.rebalance.delay.ms=0
EOF
  if ((${#extra_config[@]} > 0)); then
    {
      echo
      echo "# --- from up.sh --config"
      printf '%s\n' "${extra_config[@]}"
    } >>"$nd/server.properties"
  fi
}

# The listeners section of node N's server.properties.
listener_properties() {
  local n="$1"
  if [[ "$SECURE" != 1 ]]; then
    cat <<EOF
# --- listeners: loopback only
listeners=PLAINTEXT://127.0.0.1:$(node_port "$n"),CONTROLLER://127.0.0.1:$(node_ctrl_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(node_port "$n")
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
EOF
    return
  fi
  cat <<EOF
# --- listeners (up.sh --secure), loopback only. Clients and brokers: SASL_SSL with
# SCRAM-SHA-512 (users made at format time; the brokers are "admin"). The KRaft controller
# listener: SASL_PLAINTEXT with PLAIN (SCRAM credentials live in the metadata log the
# controllers serve, so they cannot authenticate the quorum), user "controller".
listeners=SASL_SSL://127.0.0.1:$(node_port "$n"),CONTROLLER://127.0.0.1:$(node_ctrl_port "$n")
advertised.listeners=SASL_SSL://127.0.0.1:$(node_port "$n")
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret ADMIN_PASSWORD)";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$(secret CONTROLLER_PASSWORD)" user_controller="$(secret CONTROLLER_PASSWORD)";
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURE_DIR/broker.p12
ssl.keystore.password=$(secret KEYSTORE_PASSWORD)
ssl.truststore.type=PEM
ssl.truststore.location=$SECURE_DIR/ca.pem
ssl.client.auth=none

# --- authorization: ACLs (deploy/kafka/acls.sh); the brokers and controllers are super users
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:controller
allow.everyone.if.no.acl.found=false
EOF
}

format_node() {
  local n="$1" nd scram=()
  nd="$(node_dir "$n")"
  if [[ -f "$nd/data/meta.properties" ]]; then return 0; fi
  if [[ "$SECURE" == 1 ]]; then
    local role
    for role in admin ingest stage worker; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$role,password=$(secret "${role^^}_PASSWORD")]")
    done
  fi
  kafka_tool kafka.tools.StorageTool format --cluster-id "$CLUSTER_ID" \
    --config "$nd/server.properties" --ignore-formatted ${scram[@]+"${scram[@]}"} >"$nd/format.log" 2>&1
}

start_and_wait() {
  local n
  for n in "$@"; do launch_node "$n"; done
  if ! wait_serving "$@"; then
    log "stopping the node(s) this run started; logs stay in $STATE_DIR"
    STOP_TIMEOUT=10 stop_nodes "$@"
    exit 1
  fi
}

if [[ -d "$STATE_DIR" && ! -f "$STATE_DIR/$MARKER" ]] &&
  [[ -n "$(find "$STATE_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -print -quit)" ]]; then
  die "$STATE_DIR exists, is not empty and was not made by these scripts; choose another --dir"
fi
lock_state
t0=$SECONDS

if have_cluster; then
  load_cluster
  running="$(running_nodes)"
  if [[ -n "$nodes_arg" && "$nodes_arg" != "$NODES" ]]; then
    die "$STATE_DIR holds a $NODES-node cluster (running: ${running:-none}); run deploy/kafka/down.sh --dir $STATE_DIR first"
  fi
  if ((secure_arg)) && [[ "$SECURE" != 1 ]]; then
    die "$STATE_DIR holds a PLAINTEXT cluster (running: ${running:-none}); run deploy/kafka/down.sh --dir $STATE_DIR first for --secure"
  fi
  if [[ "$SECURE" == 1 ]]; then
    [[ -f "$SECURE_DIR/.complete" && "$(secrets_id)" == "$SECRETS_ID" ]] ||
      die "$STATE_DIR was formatted with other secrets than those in $SECURE_DIR (made again?); run deploy/kafka/down.sh --dir $STATE_DIR and up.sh --secure again"
    ensure_secrets                    # rewrites the client settings
  fi
  if [[ "$CLUSTER_VERSION" != "$KAFKA_VERSION" ]]; then
    die "$STATE_DIR was formatted by Kafka $CLUSTER_VERSION, pom.xml pins $KAFKA_VERSION; run deploy/kafka/down.sh --dir $STATE_DIR first"
  fi
  missing=()
  for ((n = 1; n <= NODES; n++)); do node_running "$n" || missing+=("$n"); done
  if ((${#missing[@]} == 0)); then
    log "already running: $NODES node(s) in $STATE_DIR (cluster $CLUSTER_ID)"
    bootstrap_servers
    exit 0
  fi
  ((${#extra_config[@]} == 0)) || log "note: --config is ignored for an existing cluster (edit $STATE_DIR/node-N/server.properties)"
  log "starting stopped node(s) ${missing[*]} of the $NODES-node cluster in $STATE_DIR"
  ensure_jars
  cp "$KAFKA_SCRIPT_DIR/log4j.properties" "$STATE_DIR/log4j.properties"
  start_and_wait "${missing[@]}"
else
  NODES="${nodes_arg:-1}"
  BASE_PORT="${ENROL_KAFKA_PORT:-9092}"
  CTRL_BASE_PORT="${ENROL_KAFKA_CONTROLLER_PORT:-19092}"
  is_uint "$BASE_PORT" && is_uint "$CTRL_BASE_PORT" || usage_error "ENROL_KAFKA_PORT and ENROL_KAFKA_CONTROLLER_PORT must be numbers"
  for ((n = 1; n <= NODES; n++)); do
    for p in "$(node_port "$n")" "$(node_ctrl_port "$n")"; do
      port_open "$p" && die "port $p is already in use (another Kafka? check 'ss -ltnp | grep $p'); stop it or set ENROL_KAFKA_PORT / ENROL_KAFKA_CONTROLLER_PORT"
    done
  done
  ensure_jars
  SECURE="$secure_arg"
  if ((SECURE)); then
    ensure_secrets
    SECRETS_ID="$(secrets_id)"
  fi
  rm -rf "$STATE_DIR"/node-*          # leftovers of an interrupted up.sh
  CLUSTER_ID="$(new_cluster_id)"
  mkdir -p "$STATE_DIR"
  # A secure cluster's server.properties hold the admin's and the controller's
  # passwords: the state directory is the owner's alone.
  if ((SECURE)); then umask 077; chmod 700 "$STATE_DIR"; fi
  : >"$STATE_DIR/$MARKER"             # ours from now on: down.sh may delete it
  cp "$KAFKA_SCRIPT_DIR/log4j.properties" "$STATE_DIR/log4j.properties"
  log "new $NODES-node KRaft cluster $CLUSTER_ID (Kafka $KAFKA_VERSION$( ((SECURE)) && echo ", SASL_SSL only")) in $STATE_DIR"
  for ((n = 1; n <= NODES; n++)); do write_server_properties "$n"; done
  pids=()
  for ((n = 1; n <= NODES; n++)); do
    format_node "$n" &
    pids+=($!)
  done
  for ((n = 1; n <= NODES; n++)); do
    if ! wait "${pids[$((n - 1))]}"; then
      cat "$(node_dir "$n")/format.log" >&2 || true
      die "formatting the storage of node $n failed (log above)"
    fi
  done
  write_cluster                       # only now: a half-formatted dir is not a cluster
  all=()
  for ((n = 1; n <= NODES; n++)); do all+=("$n"); done
  start_and_wait "${all[@]}"
  if ((NODES >= 3)); then
    # __consumer_offsets is created on the first consumer-group request, with replication
    # factor 3: that fails while a node is down. Create it now, when all nodes serve, so a
    # fault test that stops a node before its consumers start still has a coordinator.
    secure=()
    [[ "$SECURE" != 1 ]] || secure=(--command-config "$SECURE_DIR/java/admin.properties")
    kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$(bootstrap_servers)" \
      ${secure[@]+"${secure[@]}"} --describe --group enrol-kafka-warmup >/dev/null 2>&1 || true
  fi
  if [[ "$SECURE" == 1 ]]; then
    # The roles' ACLs for the default topic prefix (other prefixes: acls.sh --prefix P).
    if ! bash "$KAFKA_SCRIPT_DIR/acls.sh" --dir "$STATE_DIR" >&2; then
      log "stopping the node(s) this run started; logs stay in $STATE_DIR"
      STOP_TIMEOUT=10 stop_nodes "${all[@]}"
      die "could not set the ACLs"
    fi
  fi
fi

log "serving: $NODES node(s), bootstrap $(bootstrap_servers) (up in $((SECONDS - t0))s)"
[[ "$SECURE" != 1 ]] || log "SASL_SSL only; client settings (--kafka-config): $SECURE_DIR/{admin,ingest,stage,worker}.properties"
bootstrap_servers

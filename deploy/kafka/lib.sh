# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts sourcing it
# Shared by deploy/kafka/*.sh (sourced, never run). Everything here is local: the only
# network access is `mvn` resolving pom.xml against Maven Central, once, into the cache.
#
# Environment (all optional):
#   ENROL_KAFKA_CACHE             jar cache             (default ~/.cache/enrol-kafka)
#   ENROL_KAFKA_DIR               state dir             (default /tmp/enrol-kafka; --dir wins)
#   ENROL_KAFKA_PORT              first broker port     (default 9092; node N: PORT+N-1)
#   ENROL_KAFKA_CONTROLLER_PORT   first controller port (default 19092)
#   ENROL_KAFKA_TIMEOUT           seconds to wait for a node to serve   (default 120)
#   ENROL_KAFKA_STOP_TIMEOUT      seconds between TERM and KILL         (default 30)
#   ENROL_KAFKA_SECURE_DIR        CA, broker certificate, SCRAM passwords and client
#                                 settings of up.sh --secure (default deploy/kafka/secure)
#   KAFKA_HEAP_OPTS               broker heap (default -Xms128m -Xmx512m)
#   KAFKA_JVM_PERFORMANCE_OPTS    broker GC flags (default: as kafka-run-class.sh)
#   KAFKA_OPTS                    extra JVM flags for the broker

KAFKA_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_SCRIPT_DIR/pom.xml" | head -n 1)"
KAFKA_CACHE="${ENROL_KAFKA_CACHE:-${HOME:-/root}/.cache/enrol-kafka}"
KAFKA_LIBS="$KAFKA_CACHE/kafka-$KAFKA_VERSION/libs"
STATE_DIR="${ENROL_KAFKA_DIR:-/tmp/enrol-kafka}"
STOP_TIMEOUT="${ENROL_KAFKA_STOP_TIMEOUT:-30}"
START_TIMEOUT="${ENROL_KAFKA_TIMEOUT:-120}"
MARKER=".enrol-kafka"          # present in every state dir this tooling created
SECURE_DIR="${ENROL_KAFKA_SECURE_DIR:-$KAFKA_SCRIPT_DIR/secure}"
# Set by load_cluster (from STATE_DIR/cluster.env) or by up.sh before write_cluster.
# SECURE=1: only a SASL_SSL listener (up.sh --secure); SECRETS_ID: the secrets it was
# formatted with (see ensure_secrets).
NODES="" CLUSTER_ID="" BASE_PORT="" CTRL_BASE_PORT="" CLUSTER_VERSION="" SECURE=0 SECRETS_ID=""

log() { echo "enrol-kafka: $*" >&2; }
die() { echo "enrol-kafka: error: $*" >&2; exit 1; }
usage_error() { echo "enrol-kafka: usage error: $*" >&2; exit 2; }

[[ -n "$KAFKA_VERSION" ]] || die "cannot read <kafka.version> from $KAFKA_SCRIPT_DIR/pom.xml"

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

# Absolute path of $1 (need not exist yet).
abspath() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

set_state_dir() {
  [[ -n "$1" ]] || usage_error "--dir needs a directory"
  STATE_DIR="$(abspath "$1")"
}

# ---------------------------------------------------------------------------- jars

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found: install a JDK 11+ (apt-get install -y openjdk-17-jdk-headless)"
}

# Fetches the jars of pom.xml into $KAFKA_LIBS once; later calls cost one sha256sum.
# Re-fetches when pom.xml changes. Maven's own repository lives in the cache too, so
# deleting ENROL_KAFKA_CACHE gives a truly clean first run.
ensure_jars() {
  require_java
  local vdir="$KAFKA_CACHE/kafka-$KAFKA_VERSION" want
  want="$(sha256sum "$KAFKA_SCRIPT_DIR/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$vdir/.complete" && "$(cat "$vdir/.complete")" == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (apt-get install -y maven) to fetch the Kafka jars"
  mkdir -p "$vdir"
  exec 7>"$KAFKA_CACHE/.lock"
  flock 7
  if [[ -f "$vdir/.complete" && "$(cat "$vdir/.complete")" == "$want" ]]; then
    exec 7>&-
    return 0
  fi
  local tmp="$vdir/libs.tmp.$$"
  rm -rf "$tmp"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $vdir (first run only) ..."
  if ! (cd "$KAFKA_SCRIPT_DIR" && mvn -B -q -f pom.xml \
          -Dmaven.repo.local="$KAFKA_CACHE/m2" \
          org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
          -DincludeScope=runtime -DoutputDirectory="$tmp") >"$vdir/mvn.log" 2>&1; then
    tail -n 40 "$vdir/mvn.log" >&2 || true
    rm -rf "$tmp"
    exec 7>&-
    die "mvn could not fetch the Kafka jars (full log: $vdir/mvn.log)"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" && -f "$tmp/kafka-tools-$KAFKA_VERSION.jar" ]] ||
    { exec 7>&-; die "mvn finished but $tmp lacks the Kafka jars (see $vdir/mvn.log)"; }
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  echo "$want" >"$vdir/.complete"
  exec 7>&-
  log "cached $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS"
}

# Runs a Kafka command-line class (TopicCommand, BrokerApiVersionsCommand, ...) from the
# cached jars. Tuned for a short-lived JVM: small heap, C1 only, warnings to stderr.
kafka_tool() {
  # shellcheck disable=SC2086 # KAFKA_TOOL_HEAP_OPTS is a word list
  java ${KAFKA_TOOL_HEAP_OPTS:--Xmx256m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_SCRIPT_DIR/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# ---------------------------------------------------------------------------- state

node_dir() { printf '%s/node-%s\n' "$STATE_DIR" "$1"; }
node_port() { echo $((BASE_PORT + $1 - 1)); }
node_ctrl_port() { echo $((CTRL_BASE_PORT + $1 - 1)); }

bootstrap_servers() {
  local n out=""
  for ((n = 1; n <= NODES; n++)); do out+="${out:+,}127.0.0.1:$(node_port "$n")"; done
  echo "$out"
}

have_cluster() { [[ -f "$STATE_DIR/cluster.env" && -f "$STATE_DIR/$MARKER" ]]; }

# Reads STATE_DIR/cluster.env (KEY=VALUE lines written by write_cluster; never sourced).
load_cluster() {
  have_cluster || die "no cluster in $STATE_DIR (run deploy/kafka/up.sh${STATE_DIR:+ --dir $STATE_DIR})"
  local key value
  while IFS='=' read -r key value; do
    case "$key" in
      NODES) NODES="$value" ;;
      CLUSTER_ID) CLUSTER_ID="$value" ;;
      BASE_PORT) BASE_PORT="$value" ;;
      CTRL_BASE_PORT) CTRL_BASE_PORT="$value" ;;
      KAFKA_VERSION) CLUSTER_VERSION="$value" ;;
      SECURE) SECURE="$value" ;;
      SECRETS_ID) SECRETS_ID="$value" ;;
    esac
  done <"$STATE_DIR/cluster.env"
  is_uint "$NODES" && is_uint "$BASE_PORT" && is_uint "$CTRL_BASE_PORT" && [[ -n "$CLUSTER_ID" ]] ||
    die "$STATE_DIR/cluster.env is damaged; run deploy/kafka/down.sh --dir $STATE_DIR and up.sh again"
}

write_cluster() {
  mkdir -p "$STATE_DIR"
  : >"$STATE_DIR/$MARKER"
  cat >"$STATE_DIR/cluster.env.tmp" <<EOF
NODES=$NODES
CLUSTER_ID=$CLUSTER_ID
BASE_PORT=$BASE_PORT
CTRL_BASE_PORT=$CTRL_BASE_PORT
KAFKA_VERSION=$KAFKA_VERSION
SECURE=$SECURE
SECRETS_ID=$SECRETS_ID
EOF
  mv "$STATE_DIR/cluster.env.tmp" "$STATE_DIR/cluster.env"
}

# Serialises up/down/start-node/stop-node on one state dir. fd 8 is closed in brokers.
lock_state() {
  mkdir -p "$STATE_DIR"
  exec 8>"$STATE_DIR/.lock"
  flock -w 600 8 || die "another deploy/kafka script holds $STATE_DIR/.lock"
}

check_node_arg() {
  is_uint "${1:-}" && (($1 >= 1 && $1 <= NODES)) || usage_error "node must be 1..$NODES, got '${1:-}'"
}

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (22 characters),
# not starting with '-' (same rule as org.apache.kafka.common.Uuid.randomUuid).
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* && "$id" != AAAAAAAAAAAAAAAAAAAAA[AQ] ]] && break
  done
  echo "$id"
}

# ---------------------------------------------------------------------------- processes

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the pid of node N if that node's broker runs. The pid file alone is not trusted:
# the process must be a java running this node's server.properties (guards against pid
# reuse and zombies, whose cmdline is empty).
node_pid() {
  local pidfile pid
  pidfile="$(node_dir "$1")/kafka.pid"
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  is_uint "$pid" || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $(node_dir "$1")/server.properties" || return 1
  echo "$pid"
}

node_running() { node_pid "$1" >/dev/null; }

running_nodes() {
  local n out=""
  for ((n = 1; n <= NODES; n++)); do node_running "$n" && out+="${out:+ }$n"; done
  echo "$out"
}

log_tail() {
  local f
  f="$(node_dir "$1")/kafka.log"
  echo "---- last lines of $f ----" >&2
  tail -n "${2:-40}" "$f" >&2 2>/dev/null || echo "(no log)" >&2
  echo "----" >&2
}

# Starts node N in the background (own session, detached from the terminal and from the
# caller's file descriptors). Does not wait for it to serve; see wait_serving.
launch_node() {
  local n="$1" nd port cport pid
  nd="$(node_dir "$n")"
  port="$(node_port "$n")"
  cport="$(node_ctrl_port "$n")"
  for p in "$port" "$cport"; do
    port_open "$p" && die "port $p (node $n) is already in use by another process; stop it, or pick other ports with ENROL_KAFKA_PORT / ENROL_KAFKA_CONTROLLER_PORT on a fresh --dir"
  done
  mkdir -p "$nd/logs"
  # Where this start's log begins: wait_serving only trusts lines written after it.
  stat -c %s "$nd/kafka.log" 2>/dev/null >"$nd/log.offset" || echo 0 >"$nd/log.offset"
  echo "==== $(date -Is) starting node $n (Kafka $KAFKA_VERSION) ====" >>"$nd/kafka.log"
  # shellcheck disable=SC2086 # the *_OPTS variables are word lists by design
  (
    exec 7>&- 8>&- 9>&-
    cd "$nd" || exit 1
    exec setsid java ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} \
      ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15} \
      -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$STATE_DIR/log4j.properties" \
      -Dkafka.logs.dir="$nd/logs" \
      ${KAFKA_OPTS:-} \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$nd/server.properties"
  ) </dev/null >>"$nd/kafka.log" 2>&1 &
  pid=$!
  echo "$pid" >"$nd/kafka.pid"
  log "node $n starting: pid $pid, broker 127.0.0.1:$port, controller 127.0.0.1:$cport, log $nd/kafka.log"
}

# True once node N's log (since its last launch) says the server started.
node_started() {
  local nd off
  nd="$(node_dir "$1")"
  off="$(cat "$nd/log.offset" 2>/dev/null || echo 0)"
  tail -c +"$((off + 1))" "$nd/kafka.log" 2>/dev/null | grep -q 'Kafka Server started'
}

# Broker ids present (registered and unfenced) in the cluster metadata, as seen through
# the given bootstrap list; empty when the cluster does not answer.
live_broker_ids() {
  local secure=()
  [[ "$SECURE" != 1 ]] || secure=(--command-config "$SECURE_DIR/java/admin.properties")
  kafka_tool kafka.admin.BrokerApiVersionsCommand --bootstrap-server "$1" ${secure[@]+"${secure[@]}"} 2>/dev/null |
    sed -n 's/^[^ ]* (id: \([0-9]*\) rack:.*/\1/p' | sort -n | tr '\n' ' '
}

# Waits until every node in "$@" is up: process alive, listening, its log says started,
# and the cluster metadata lists it as a live broker. On timeout or death: message, log
# tail, return 1.
wait_serving() {
  local deadline=$((SECONDS + START_TIMEOUT)) n pending ids boot missing
  pending=("$@")
  while ((${#pending[@]} > 0)); do
    local still=()
    for n in "${pending[@]}"; do
      if ! node_running "$n"; then
        log "node $n exited while starting"
        log_tail "$n"
        return 1
      fi
      if port_open "$(node_port "$n")" && node_started "$n"; then
        continue
      fi
      still+=("$n")
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      for n in "${pending[@]}"; do
        log "node $n did not start serving within ${START_TIMEOUT}s (ENROL_KAFKA_TIMEOUT)"
        log_tail "$n"
      done
      return 1
    fi
    sleep 1
  done
  # Every process says it started; now the cluster must list each of them as a live broker.
  boot="$(bootstrap_servers)"
  while :; do
    ids=" $(live_broker_ids "$boot")"
    missing=()
    for n in "$@"; do [[ "$ids" == *" $n "* ]] || missing+=("$n"); done
    ((${#missing[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      log "the cluster metadata does not list node(s) ${missing[*]} as live brokers after ${START_TIMEOUT}s (live: ${ids:- none})"
      for n in "${missing[@]}"; do log_tail "$n"; done
      return 1
    fi
    sleep 1
  done
}

# Sends TERM to the given nodes, waits up to STOP_TIMEOUT for all, then KILLs the rest.
# With KILL=1 it sends KILL straight away (a crash, for fault tests).
stop_nodes() {
  local n pid sig=TERM deadline
  [[ "${KILL:-0}" == 1 ]] && sig=KILL
  declare -A stop_pids=()
  for n in "$@"; do
    if pid="$(node_pid "$n")"; then
      stop_pids[$n]="$pid"
      kill -s "$sig" "$pid" 2>/dev/null || true
      log "node $n: sent $sig to pid $pid"
    else
      rm -f "$(node_dir "$n")/kafka.pid"
    fi
  done
  # A broker's clean shutdown needs the controller quorum (a majority of the nodes) to
  # grant it; without one Kafka 3.9 waits 5 minutes. So once fewer than a majority of the
  # cluster's nodes are alive, the nodes still stopping get QUORUM_GRACE seconds more,
  # then KILL.
  local killed=0 quorum_lost=0 alive majority=$((NODES / 2 + 1)) m
  deadline=$((SECONDS + STOP_TIMEOUT))
  while :; do
    local left=()
    for n in "${!stop_pids[@]}"; do node_running "$n" && left+=("$n"); done
    ((${#left[@]} == 0)) && break
    if ((!quorum_lost && !killed)); then
      alive=0
      for ((m = 1; m <= NODES; m++)); do node_running "$m" && alive=$((alive + 1)); done
      if ((alive < majority)); then
        quorum_lost=1
        if ((deadline > SECONDS + ${QUORUM_GRACE:-5})); then
          deadline=$((SECONDS + ${QUORUM_GRACE:-5}))
          log "only $alive of $NODES node(s) left: no controller quorum to grant node(s) ${left[*]} a clean shutdown; KILL in ${QUORUM_GRACE:-5}s"
        fi
      fi
    fi
    if ((SECONDS >= deadline)); then
      ((killed == 0)) || die "node(s) ${left[*]} survived KILL for 10s"
      for n in "${left[@]}"; do
        log "node $n did not stop in time; sending KILL to pid ${stop_pids[$n]}"
        kill -s KILL "${stop_pids[$n]}" 2>/dev/null || true
      done
      killed=1
      deadline=$((SECONDS + 10))
    fi
    sleep 0.5
  done
  for n in "${!stop_pids[@]}"; do
    rm -f "$(node_dir "$n")/kafka.pid"
    log "node $n stopped"
  done
}

# ---------------------------------------------------------------------------- secure (up.sh --secure)
#
# SECURE_DIR (0700, files 0600, gitignored) holds what ensure_secrets makes once with
# openssl and every secure cluster reuses, so that the client settings stay valid across
# down.sh / up.sh:
#   secrets.env            random passwords: the SCRAM users admin, ingest, stage and worker, the
#                          controller listener's PLAIN user, the broker keystore
#   ca.key ca.pem          a local CA
#   broker.key broker.pem  the brokers' certificate (127.0.0.1, localhost), signed by the CA
#   broker.p12             the brokers' keystore (PKCS#12)
#   ROLE.properties        librdkafka client settings (enrol --kafka-config, kcat -F)
#   java/ROLE.properties   the same for Kafka's Java tools (--command-config, ...)
# ROLE: admin (super user: topics, ACLs), ingest, stage, worker; their ACLs are in acls.sh.

secret() { sed -n "s/^$1=//p" "$SECURE_DIR/secrets.env"; }

# A fingerprint of the passwords, kept in cluster.env: a cluster formatted with other
# secrets refuses every client.
secrets_id() { sha256sum "$SECURE_DIR/secrets.env" | cut -c1-16; }

# Makes SECURE_DIR's passwords, CA and certificate when missing; (re)writes the client
# settings from them.
ensure_secrets() {
  command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install -y openssl)"
  local old_umask role password
  old_umask="$(umask)"
  umask 077
  mkdir -p "$SECURE_DIR"
  chmod 700 "$SECURE_DIR"
  if [[ ! -f "$SECURE_DIR/.complete" ]]; then
    local tmp="$SECURE_DIR/.new.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    log "making a local CA, a broker certificate and SCRAM passwords in $SECURE_DIR"
    for role in admin ingest stage worker controller keystore; do
      echo "${role^^}_PASSWORD=$(openssl rand -hex 24)"
    done >"$tmp/secrets.env"
    if ! (
      set -e
      cd "$tmp"
      openssl req -x509 -newkey rsa:2048 -sha256 -days 3650 -nodes -keyout ca.key -out ca.pem \
        -subj "/CN=enrol-kafka local CA" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign
      openssl req -newkey rsa:2048 -sha256 -nodes -keyout broker.key -out broker.csr -subj "/CN=127.0.0.1"
      printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >broker.ext
      openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
        -extfile broker.ext -out broker.pem
      openssl pkcs12 -export -name broker -inkey broker.key -in broker.pem -certfile ca.pem \
        -passout "pass:$(sed -n 's/^KEYSTORE_PASSWORD=//p' secrets.env)" -out broker.p12
      rm -f broker.csr broker.ext ca.srl
    ) >"$tmp/openssl.log" 2>&1; then
      cat "$tmp/openssl.log" >&2
      rm -rf "$tmp"
      umask "$old_umask"
      die "openssl could not make the certificates (log above)"
    fi
    rm -f "$tmp/openssl.log"
    mv "$tmp"/* "$SECURE_DIR"/
    rmdir "$tmp"
    : >"$SECURE_DIR/.complete"
  fi
  # The stage user came with issue 11: secrets made before it get its password.
  if ! grep -q '^STAGE_PASSWORD=' "$SECURE_DIR/secrets.env"; then
    echo "STAGE_PASSWORD=$(openssl rand -hex 24)" >>"$SECURE_DIR/secrets.env"
  fi
  mkdir -p "$SECURE_DIR/java"
  for role in admin ingest stage worker; do
    password="$(secret "${role^^}_PASSWORD")"
    # Written aside and renamed: a client reading them never sees half a file.
    cat >"$SECURE_DIR/$role.properties.tmp" <<EOF
# librdkafka settings of the Kafka user "$role" (deploy/kafka/up.sh --secure):
#   enrol COMMAND --brokers 127.0.0.1:9092 --kafka-config $SECURE_DIR/$role.properties
security.protocol=SASL_SSL
sasl.mechanisms=SCRAM-SHA-512
sasl.username=$role
sasl.password=$password
ssl.ca.location=$SECURE_DIR/ca.pem
EOF
    cat >"$SECURE_DIR/java/$role.properties.tmp" <<EOF
# Kafka Java client settings of the user "$role" (--command-config, --producer.config, ...).
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$role" password="$password";
ssl.truststore.type=PEM
ssl.truststore.location=$SECURE_DIR/ca.pem
EOF
    mv "$SECURE_DIR/$role.properties.tmp" "$SECURE_DIR/$role.properties"
    mv "$SECURE_DIR/java/$role.properties.tmp" "$SECURE_DIR/java/$role.properties"
  done
  chmod 600 "$SECURE_DIR"/*.* "$SECURE_DIR"/java/*
  chmod 700 "$SECURE_DIR/java"
  umask "$old_umask"
}

#!/usr/bin/env bash
# peer-bench.sh: the hub side by side with PostGraphile over PostgreSQL full-text search, on the
# same generated corpus, the same cluster and the same machine, in one run of the peer kit
# (issue 15). `make bench-peer` runs it, and `make bench` last. It prints a Markdown table:
# p50 at 1 client and requests/s at 16 clients for both servers in each round, and the ratios
# hub / PostGraphile; it asserts nothing.
#
#   scripts/peer-bench.sh
#
# Steps: copy the kit (read-only where it is shipped) into a work directory; build the hub from
# this checkout; start a throwaway PostgreSQL 15 cluster (the kit's pg_cluster.sh); generate the
# corpus (corpus.py, seed 1); load it for PostGraphile (load_pg.sh: COPY, tsvector, GIN); convert
# it into hub resource files (hub_import.py) and `guidancehub import` them into the hub's own
# database on the same cluster; start PostGraphile (the kit's run_postgraphile.sh: npm on first
# use) and the hub on 127.0.0.1; wait until the hub's index is built (/readyz); then, for each
# round, alternate the servers: PostGraphile, hub, hub's full search, PostGraphile's list with
# totalCount, hub's list with totalCount (the kit's bench.sh: wrk, 10 s per measurement). The
# 1-minute load average is recorded before each measurement, with a warning above PEER_MAX_LOAD.
# On exit, an error or Ctrl-C it stops both servers and the cluster it started and deletes what it
# generated; the raw figures stay in the results directory it names.
#
# Environment (all optional):
#   BENCH_PEER_N=10000      resources (100000 for the issue's table: ~1 h and ~3 GB of disk)
#   PEER_KIT=../shared/bench/peer (next to the checkout)   the kit, copied before use
#   PEER_CORPUS=FILE        an existing corpus.py JSONL: its first BENCH_PEER_N lines are used
#   PEER_PG_DIR, PEER_PG_PORT=55441   the cluster (default: a new one in the work directory).
#                           One already running there is used as it is and left running.
#   PEER_PG_DB=peer         PostGraphile's database; a public.resources already holding rows is
#                           used as it is, else the corpus is loaded into it
#   PEER_HUB_DB=hub_peerbench   the hub's database; one already holding published resources is
#                           used as it is (never written), else the corpus is imported into it
#   PEER_HUB_DATA=DIR       the hub's data directory (its index); default a new one (built at start)
#   PEER_PGL_PORT=15779, PEER_HUB_PORT=15780   the two servers, on 127.0.0.1
#   PEER_ROUNDS=2, DURATION=10s, WARMUP=3s, CLIENTS=16   the measurements (bench.sh)
#   PEER_MAX_LOAD=0.6       warn when the load average is above this before a measurement
#   PEER_QUIET_WAIT=0       wait up to this many seconds for the load to fall below it first
#   PEER_READY_TIMEOUT=3600 seconds to wait for the hub's index
#   PEER_KEEP_CLUSTER=1     leave a cluster this run created running and loaded (and the hub's
#                           index), and print the variables that reuse them
#   PEER_OUT=DIR            results directory (default /tmp/peer-bench.<time>/results)
#   PGL_VERSION=4           PostGraphile 4.14.1 (5: 5.1.5), as run_postgraphile.sh reads it
set -euo pipefail
set -m # each step in its own process group, so that cleanup stops it whole

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KIT_SRC=${PEER_KIT:-$ROOT/../shared/bench/peer}
N=${BENCH_PEER_N:-10000}
PG_PORT=${PEER_PG_PORT:-55441}
PEER_DB=${PEER_PG_DB:-peer}
HUB_DB=${PEER_HUB_DB:-hub_peerbench}
PGL_PORT=${PEER_PGL_PORT:-15779}
HUB_PORT=${PEER_HUB_PORT:-15780}
ROUNDS=${PEER_ROUNDS:-2}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CLIENTS=${CLIENTS:-16}
MAX_LOAD=${PEER_MAX_LOAD:-0.6}
QUIET_WAIT=${PEER_QUIET_WAIT:-0}
READY_TIMEOUT=${PEER_READY_TIMEOUT:-3600}
KEEP=${PEER_KEEP_CLUSTER:-0}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/pg_ctl" ] || PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
GO=${GO:-go}

die() { echo "peer-bench: $*" >&2; exit 1; }
say() { echo "peer-bench: $(date -u +%T) $*"; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_uint "$N" && [ "$N" -ge 1 ] || die "BENCH_PEER_N must be a positive number, not '$N'"
is_uint "$ROUNDS" && [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 10 ] || die "PEER_ROUNDS must be 1..10"
is_uint "$QUIET_WAIT" && is_uint "$READY_TIMEOUT" || die "PEER_QUIET_WAIT and PEER_READY_TIMEOUT are seconds"
for p in "$PG_PORT" "$PGL_PORT" "$HUB_PORT"; do is_uint "$p" || die "bad port '$p'"; done
[ -r "$KIT_SRC/bench.sh" ] || die "no peer kit at $KIT_SRC (set PEER_KIT to the shared bench/peer folder)"
for c in python3 jq curl node npm git "$GO"; do command -v "$c" >/dev/null || die "needs $c"; done
[ -x "$PGBIN/pg_ctl" ] && [ -x "$PGBIN/psql" ] || die "needs PostgreSQL (15) server binaries: set PGBIN to their directory"
# A server already on one of the ports would be measured instead of ours.
for p in "$PGL_PORT" "$HUB_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then die "port $p is in use on 127.0.0.1 (set PEER_PGL_PORT / PEER_HUB_PORT)"; fi
done

START=$(date +%s)
WORK=$(mktemp -d /tmp/peer-bench.XXXXXX)
chmod 755 "$WORK" # the cluster runs as the postgres user, which must traverse it
RES=${PEER_OUT:-$WORK/results}
mkdir -p "$RES"
KIT=$WORK/kit
PG_DIR=${PEER_PG_DIR:-$WORK/pg}
HUB_DATA=${PEER_HUB_DATA:-$WORK/hubdata}
HUB_BIN=$WORK/guidancehub
PGL_PID=$RES/postgraphile.pid
export PEER_PG_DIR=$PG_DIR PEER_PG_PORT=$PG_PORT PEER_PG_DB=$PEER_DB PGBIN
SOCK=$PG_DIR/sock
PEER_URL="postgresql://postgres@/$PEER_DB?host=$SOCK&port=$PG_PORT"
HUB_URL="postgresql://postgres@/$HUB_DB?host=$SOCK&port=$PG_PORT"

# What cleanup must undo; set as each thing is started or created.
CHILD= HUB_PID= CLUSTER= DROP_DBS=()

psql_admin() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PG_PORT" -U postgres "$@"; }
cluster_up() { psql_admin -d postgres -Atc 'select 1' >/dev/null 2>&1; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$CHILD" ]; then kill -TERM -- "-$CHILD" 2>/dev/null; wait "$CHILD" 2>/dev/null; fi
  if [ -n "$HUB_PID" ]; then
    kill -TERM "$HUB_PID" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$HUB_PID" 2>/dev/null
    wait "$HUB_PID" 2>/dev/null
  fi
  [ -s "$PGL_PID" ] && "$KIT/run_postgraphile.sh" stop "$PGL_PID" >/dev/null 2>&1
  if [ "$KEEP" = 1 ] && [ "$CLUSTER" != reused ]; then
    echo "peer-bench: cluster left running and loaded; reuse it with:"
    echo "  PEER_PG_DIR=$PG_DIR PEER_PG_PORT=$PG_PORT PEER_PG_DB=$PEER_DB PEER_HUB_DB=$HUB_DB PEER_HUB_DATA=$HUB_DATA"
    echo "  and stop it with: PEER_PG_DIR=$PG_DIR PEER_PG_PORT=$PG_PORT $KIT_SRC/pg_cluster.sh $([ "$CLUSTER" = created ] && echo destroy || echo stop)"
  else
    [ "$CLUSTER" = reused ] && for db in "${DROP_DBS[@]}"; do psql_admin -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1; done
    case "$CLUSTER" in
      created) "$KIT/pg_cluster.sh" destroy >/dev/null 2>&1 || echo "peer-bench: could not destroy the cluster in $PG_DIR" >&2 ;;
      started) "$KIT/pg_cluster.sh" stop >/dev/null 2>&1 || echo "peer-bench: could not stop the cluster in $PG_DIR" >&2 ;;
    esac
    [ -z "${PEER_HUB_DATA:-}" ] && rm -rf "$HUB_DATA"
  fi
  rm -rf "$WORK/corpus.jsonl" "$WORK/hublib" "$WORK/import-data" "$HUB_BIN" "$KIT"
  echo "peer-bench: results in $RES ($(( ($(date +%s) - START) / 60 )) min $(( ($(date +%s) - START) % 60 )) s)" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step LOG CMD...: run CMD in its own process group with its output in LOG, and wait for it (a
# signal interrupts the wait; cleanup then stops the group). On failure, show the log's tail.
step() {
  local log=$1 rc=0
  shift
  "$@" >"$log" 2>&1 &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=
  if [ "$rc" != 0 ]; then
    echo "peer-bench: failed ($rc): $*; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    return "$rc"
  fi
}

cp -r "$KIT_SRC" "$KIT"
chmod -R u+w "$KIT"
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] && COMMIT="$COMMIT+changes"
say "building the hub at $COMMIT"
step "$RES/build.log" bash -c "cd '$ROOT' && '$GO' build -o '$HUB_BIN' ."

# The cluster: one already answering on its socket is used as it is and left running.
if cluster_up; then
  CLUSTER=reused
elif [ -d "$PG_DIR/data" ]; then
  CLUSTER=started
else
  CLUSTER=created
fi
had_peer_db=0
[ "$CLUSTER" = reused ] && psql_admin -d postgres -Atc "select 1 from pg_database where datname = '$PEER_DB'" | grep -q 1 && had_peer_db=1
step "$RES/cluster.log" "$KIT/pg_cluster.sh" start
[ "$CLUSTER" = reused ] && [ "$had_peer_db" = 0 ] && DROP_DBS+=("$PEER_DB")
say "cluster $PG_DIR port $PG_PORT ($CLUSTER)"

# What each database already holds decides whether it is loaded.
rows() { # DB WHERE: rows of public.resources in DB, 0 when it has no such table
  if [ "$(psql_admin -d "$1" -Atc "select to_regclass('public.resources') is not null")" = t ]; then
    psql_admin -d "$1" -Atc "select count(*) from public.resources $2"
  else
    echo 0
  fi
}
peer_rows=$(rows "$PEER_DB" "")
hub_exists=$(psql_admin -d postgres -Atc "select count(*) from pg_database where datname = '$HUB_DB'")
hub_rows=0
[ "$hub_exists" = 1 ] && hub_rows=$(rows "$HUB_DB" "where status = 'PUBLISHED'")

CORPUS=
corpus() { # the corpus file, generated or cut from PEER_CORPUS on first need
  [ -n "$CORPUS" ] && return
  if [ -n "${PEER_CORPUS:-}" ]; then
    [ -r "$PEER_CORPUS" ] || die "cannot read PEER_CORPUS=$PEER_CORPUS"
    local lines
    lines=$(wc -l <"$PEER_CORPUS")
    [ "$lines" -ge "$N" ] || die "PEER_CORPUS has $lines resources, fewer than BENCH_PEER_N=$N"
    if [ "$lines" = "$N" ]; then CORPUS=$PEER_CORPUS; else head -n "$N" "$PEER_CORPUS" >"$WORK/corpus.jsonl"; CORPUS=$WORK/corpus.jsonl; fi
    say "corpus: the first $N resources of $PEER_CORPUS"
  else
    say "generating the corpus: $N resources, seed 1"
    step "$RES/corpus.log" python3 "$KIT/corpus.py" --n "$N" --seed 1 --out "$WORK/corpus.jsonl"
    CORPUS=$WORK/corpus.jsonl
  fi
}

PGL_LOAD="used as it was"
if [ "$peer_rows" = 0 ]; then
  corpus
  say "loading PostgreSQL for PostGraphile (COPY, tsvector, GIN)"
  step "$RES/load_pg.log" "$KIT/load_pg.sh" "$PEER_URL" "$CORPUS"
  PGL_LOAD="COPY + GIN $(sed -nE 's/.*copy_gin_docs_per_s=([0-9]+).*/\1/p' "$RES/load_pg.log") docs/s"
  peer_rows=$(rows "$PEER_DB" "")
else
  say "PostGraphile's database $PEER_DB already holds $peer_rows resources: used as it is"
fi

HUB_IMPORT="used as it was"
if [ "$hub_rows" = 0 ]; then
  corpus
  if [ "$hub_exists" = 0 ]; then
    psql_admin -d postgres -c "CREATE DATABASE \"$HUB_DB\""
    DROP_DBS+=("$HUB_DB")
  fi
  say "converting the corpus into hub resource files"
  step "$RES/hub_files.log" python3 "$KIT/hub_import.py" "$CORPUS" "$WORK/hublib"
  say "importing them into $HUB_DB"
  t0=$(date +%s.%N)
  step "$RES/hub_import.log" env DATABASE_URL="$HUB_URL" HUB_DATA_DIR="$WORK/import-data" "$HUB_BIN" import "$WORK/hublib"
  t1=$(date +%s.%N)
  rm -rf "$WORK/hublib"
  hub_rows=$(rows "$HUB_DB" "where status = 'PUBLISHED'")
  HUB_IMPORT=$(awk -v n="$hub_rows" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f docs/s (%.0f s)", n / (b - a), b - a }')
else
  say "the hub's database $HUB_DB already holds $hub_rows published resources: used as it is"
fi
[ -n "$CORPUS" ] && [ "$CORPUS" = "$WORK/corpus.jsonl" ] && rm -f "$CORPUS"
[ "$peer_rows" = "$hub_rows" ] || echo "peer-bench: warning: PostGraphile serves $peer_rows resources, the hub $hub_rows" >&2

# 200 slugs to look up, picked by row number as corpus.py --slugs picks them for seed 1 (at
# 100,000 resources these are the kit's slugs.txt).
psql_admin -d "$PEER_DB" -Atc "select slug from public.resources order by id" |
  python3 -c 'import random, sys
s = sys.stdin.read().split()
for i in random.Random(1 * 7919 + 17).sample(range(len(s)), min(200, len(s))): print(s[i])' >"$RES/slugs.txt"

say "starting PostGraphile on 127.0.0.1:$PGL_PORT"
step "$RES/postgraphile-start.log" "$KIT/run_postgraphile.sh" "$PEER_URL" "$PGL_PORT" "$PGL_PID"
PGL_VERSION_STR=$(grep -o 'postgraphile@[0-9.]*' "$RES/postgraphile-start.log" | head -1)

say "starting the hub on 127.0.0.1:$HUB_PORT; waiting for its index ($hub_rows resources)"
mkdir -p "$HUB_DATA"
t0=$(date +%s.%N)
env DATABASE_URL="$HUB_URL" HUB_ADDR="127.0.0.1:$HUB_PORT" HUB_DATA_DIR="$HUB_DATA" \
  HUB_RESOURCES_DIR="$WORK/no-resources" HUB_ACCESS_LOG=off \
  HUB_RATE_LIMITS=anonymous=1000000/1000000 "$HUB_BIN" >"$RES/hub.log" 2>&1 &
HUB_PID=$!
ready=0
for _ in $(seq 1 "$((READY_TIMEOUT * 2))"); do
  kill -0 "$HUB_PID" 2>/dev/null || { tail -n 20 "$RES/hub.log" >&2; die "the hub exited before it was ready"; }
  if [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HUB_PORT/readyz")" = 200 ]; then ready=1; break; fi
  sleep 0.5
done
[ "$ready" = 1 ] || die "the hub was not ready within $READY_TIMEOUT s (log: $RES/hub.log)"
t1=$(date +%s.%N)
HUB_READY=$(awk -v n="$hub_rows" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a; if (b - a > 5) printf ", %.0f docs/s", n / (b - a) }')
# The index's own count, as /metrics reports it, against the published resources it should hold.
INDEX_DOCS=$(curl -s -m 10 "http://127.0.0.1:$HUB_PORT/metrics" | awk '$1 == "hub_search_index_documents" { printf "%.0f", $2 }')
say "hub ready after $HUB_READY; hub_search_index_documents $INDEX_DOCS"
[ "$INDEX_DOCS" = "$hub_rows" ] ||
  echo "peer-bench: warning: hub_search_index_documents is '$INDEX_DOCS', the hub's database has $hub_rows published resources" >&2

# measure NAME URL BODIES [VAR=value...]: one run of the kit's bench.sh, after noting the load.
measure() {
  local name=$1 url=$2 bodies=$3 load waited=0
  shift 3
  read -r load _ </proc/loadavg
  while awk -v l="$load" -v m="$MAX_LOAD" 'BEGIN { exit !(l > m) }' && [ "$waited" -lt "$QUIET_WAIT" ]; do
    sleep 5
    waited=$((waited + 5))
    read -r load _ </proc/loadavg
  done
  echo "$name $load" >>"$RES/loads.txt"
  local warn=""
  awk -v l="$load" -v m="$MAX_LOAD" 'BEGIN { exit !(l > m) }' && warn=" (warning: load average above $MAX_LOAD: figures are noisy)"
  say "round ${name: -1}: $name, load average $load$warn"
  step "$RES/$name.log" env PER_QUERY=0 DURATION="$DURATION" WARMUP="$WARMUP" CLIENTS="$CLIENTS" \
    SLUGS="$RES/slugs.txt" OUT="$RES/$name" "$@" "$KIT/bench.sh" "$url" "$KIT/bodies/$bodies"
  grep -E '^(slug|list|search) ' "$RES/$name/summary.txt" | sed "s/^/  /"
}
PGL=http://127.0.0.1:$PGL_PORT/graphql
HUB=http://127.0.0.1:$HUB_PORT/graphql
: >"$RES/loads.txt"
say "measuring; each line: op, p50/p99 ms, req/s, requests at 1 client | the same at $CLIENTS clients | errors"
for r in $(seq 1 "$ROUNDS"); do
  measure "pg$r" "$PGL" postgraphile
  measure "hub$r" "$HUB" hub
  measure "hubfull$r" "$HUB" hub-full OPS=search
  measure "pgcount$r" "$PGL" pg-count OPS=list
  measure "hubcount$r" "$HUB" hub-count OPS=list
done

# The table. summary.txt: op c1_p50 c1_p99 c1_rps c1_n | cN_rps cN_p50 cN_p99 cN_n | errors
get() { # NAME OP FIELD(p50|rps|errors)
  awk -v op="$2" -v f="$3" '$1 == op { print (f == "p50" ? $2 : f == "rps" ? $7 : $NF) }' "$RES/$1/summary.txt"
}
row() { # LABEL HUB_RUN PEER_RUN OP
  local label=$1 h=$2 p=$3 op=$4 args=() r
  for r in $(seq 1 "$ROUNDS"); do
    args+=("$(get "$h$r" "$op" p50)" "$(get "$p$r" "$op" p50)" "$(get "$h$r" "$op" rps)" "$(get "$p$r" "$op" rps)")
  done
  awk -v label="$label" 'function ms(v) { return v < 10 ? sprintf("%.2f", v) : v < 100 ? sprintf("%.1f", v) : sprintf("%.0f", v) }
    function rps(v,   s, out) { if (v < 100) return sprintf("%.1f", v); s = sprintf("%.0f", v); out = "";
      while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) } return s out }
    BEGIN { n = (ARGC - 1) / 4; a = b = ra = rb = "";
      for (i = 0; i < n; i++) { hp = ARGV[4*i+1]; pp = ARGV[4*i+2]; hr = ARGV[4*i+3]; pr = ARGV[4*i+4]; sep = i ? ", " : "";
        a = a sep ms(hp) " / " ms(pp) " ms"; ra = ra sep sprintf("%.2f", hp / pp);
        b = b sep rps(hr) " / " rps(pr); rb = rb sep sprintf("%.2f×", hr / pr) }
      printf "| %s | %s (%s) | %s (%s) |\n", label, a, ra, b, rb; exit }' "${args[@]}"
}
MEM=$(awk '/^MemTotal:/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
{
  echo
  echo "Side by side with PostGraphile ($(date -u '+%Y-%m-%d %H:%M UTC'), hub at \`$COMMIT\`, $PGL_VERSION_STR;"
  echo "machine: $(nproc) CPUs, $MEM; $peer_rows resources (corpus.py seed 1); $CLIENTS clients, $DURATION per"
  echo "measurement; $ROUNDS round(s), the servers alternating; figures per round, ratios hub / PostGraphile;"
  echo "the list with \`totalCount\` uses bodies/hub-count and bodies/pg-count, the full search bodies/hub-full"
  echo "against PostGraphile's plain search):"
  echo
  echo "| operation | p50 @1 client, hub / peer | requests/s @$CLIENTS clients, hub / peer |"
  echo "|---|---|---|"
  row "lookup by slug" hub pg slug
  row "list of 20 newest, no \`totalCount\`" hub pg list
  row "list of 20 with \`totalCount\` on both" hubcount pgcount list
  row "search top 10" hub pg search
  row "search with totalCount, highlights, facets (peer: plain search)" hubfull pg search
  echo
  echo "Load: PostGraphile $PGL_LOAD; hub import $HUB_IMPORT, then ready to search after $HUB_READY (the index built at start-up, or opened); hub_search_index_documents $INDEX_DOCS."
  echo "Load average before each measurement: $(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' "$RES/loads.txt")."
  high=$(awk -v m="$MAX_LOAD" '$2 > m' "$RES/loads.txt" | wc -l)
  [ "$high" -gt 0 ] && echo "Warning: the load average was above $MAX_LOAD before $high of $(wc -l <"$RES/loads.txt") measurements: absolute figures are noisy, ratios less so."
  errs=0
  for f in "$RES"/*/summary.txt; do errs=$((errs + $(awk '$1 ~ /^(slug|list|search)$/ { s += $NF } END { print s + 0 }' "$f"))); done
  [ "$errs" -gt 0 ] && echo "Warning: $errs socket errors or non-2xx answers during the measurements (see $RES)."
  true
} | tee "$RES/table.md"

#!/usr/bin/env bash
# Memory of a running hub under a 16-client mixed load, split the way the
# memory target reads it: anonymous memory (Go heap, stacks, runtime: what
# the process itself holds) apart from file-backed pages (the mmapped
# search-index segments and the binary, which the kernel can drop and
# re-read at will).
#
#   scripts/rss-under-load.sh PID URL KIT_DIR [SECONDS]
#
# PID      the hub process (e.g. $(cat /tmp/hub.pid))
# URL      its GraphQL endpoint on this machine, http://127.0.0.1:PORT/graphql
# KIT_DIR  a copy of the peer benchmark kit (bench/peer): its bodies/hub,
#          bodies/hub-count, bodies/hub-full, slugs.txt, queries.txt,
#          rotate.lua, and its wrk (bench.sh fetches one into /tmp/bench-tools)
# SECONDS  load duration (default 60)
# MIX=reads leaves the searches out (slug lookups and lists only).
#
# The load mixes, request by request, the kit's slug lookups (200 slugs),
# lists of 20 with and without totalCount, and searches (top 10, and with
# totalCount, highlights and facets, 20 queries each), 16 connections.
# /proc/PID/smaps_rollup is sampled every second; the peaks are printed.
set -euo pipefail
PID=${1:?usage: rss-under-load.sh PID URL KIT_DIR [SECONDS]}
URL=${2:?usage: rss-under-load.sh PID URL KIT_DIR [SECONDS]}
KIT=${3:?usage: rss-under-load.sh PID URL KIT_DIR [SECONDS]}
SECS=${4:-60}
host=$(printf '%s' "$URL" | sed -E 's#^[a-z]+://(\[[^]]*\]|[^/:]*).*#\1#')
case "$host" in 127.0.0.1 | localhost | "[::1]") ;; *) echo "refusing non-loopback URL $URL" >&2; exit 2 ;; esac
[ -r "/proc/$PID/smaps_rollup" ] || { echo "no process $PID (or smaps_rollup unreadable)" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq" >&2; exit 2; }
WRK=${WRK:-$(command -v wrk || echo /tmp/bench-tools/root/usr/bin/wrk)}
export LD_LIBRARY_PATH="/tmp/bench-tools/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ -x "$WRK" ] || { echo "no wrk: run the kit's bench.sh once (it fetches one), or set WRK" >&2; exit 2; }

work=$(mktemp -d /tmp/rss-load.XXXXXX)
trap 'rm -rf "$work"' EXIT
# One compact JSON body per line, with __SLUG__ / __QUERY__ filled in.
expand() { # template placeholder values-file
  jq -c --rawfile vals "$3" --arg ph "$2" \
    '. as $t | ($vals | split("\n") | map(select(length > 0)))[] as $v
     | $t | walk(if type == "string" then split($ph) | join($v) else . end)' "$1"
}
{
  expand "$KIT/bodies/hub/slug.json" __SLUG__ "$KIT/slugs.txt"
  if [ "${MIX:-}" != reads ]; then
    expand "$KIT/bodies/hub/search.json" __QUERY__ "$KIT/queries.txt"
    expand "$KIT/bodies/hub-full/search.json" __QUERY__ "$KIT/queries.txt"
  fi
  for _ in $(seq 20); do jq -c . "$KIT/bodies/hub/list.json"; jq -c . "$KIT/bodies/hub-count/list.json"; done
} | shuf --random-source=<(yes) >"$work/mixed.bodies"

kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/smaps_rollup"; }
sample() { echo "$(kb Rss) $(kb Anonymous) $(kb Pss_File)"; }
read -r rss0 anon0 file0 < <(sample)
"$WRK" -t1 -c16 -d"${SECS}s" --timeout 10s -s "$KIT/rotate.lua" "$URL" -- "$work/mixed.bodies" >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
peak_rss=0 peak_anon=0 peak_file=0
while kill -0 "$wrk_pid" 2>/dev/null; do
  read -r rss anon file < <(sample)
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
  [ "$anon" -gt "$peak_anon" ] && peak_anon=$anon
  [ "$file" -gt "$peak_file" ] && peak_file=$file
  sleep 1
done
wait "$wrk_pid" || { cat "$work/wrk.txt" >&2; exit 1; }
read -r rss1 anon1 file1 < <(sample)
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
echo "load: $(grep '^RESULT' "$work/wrk.txt" | sed 's/^RESULT //')"
printf '%-28s %12s %12s %12s\n' "" before peak after
printf '%-28s %12s %12s %12s\n' "RSS" "$(mb "$rss0")" "$(mb "$peak_rss")" "$(mb "$rss1")"
printf '%-28s %12s %12s %12s\n' "anonymous (target <= 256 MB)" "$(mb "$anon0")" "$(mb "$peak_anon")" "$(mb "$anon1")"
printf '%-28s %12s %12s %12s\n' "file-backed (index, binary)" "$(mb "$file0")" "$(mb "$peak_file")" "$(mb "$file1")"
echo "VmHWM (peak RSS since start): $(awk '$1 == "VmHWM:" { print $2, $3 }' "/proc/$PID/status")"

#!/usr/bin/env bash
# maildir-floor.sh [P] [N] [R] [GROUP]: the C floor of durable Maildir delivery on this machine
# (benchmarks/src/main/c/maildir-floor.c): P processes side by side, N messages each, R recipients,
# each new/ fsynced every GROUP messages (1: every message durable before the next). Prints CPU µs
# per message (all processes' user + sys over all messages), msg/s and voluntary switches per message.
# Directories go under ${SCRATCH:-/work/bench-scratch} and are moved to ${TRASH:-/work/bench-trash}, never
# deleted (ext4 without a journal scans recently freed inodes: docs/BENCHMARKS.md, fifth step).
set -euo pipefail
P=${1:-1}; N=${2:-2000}; R=${3:-1}; G=${4:-1}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(mktemp /tmp/maildir-floor.XXXX)
gcc -O2 -Wall -o "$bin" "$here/../src/main/c/maildir-floor.c"
run=${SCRATCH:-/work/bench-scratch}/maildir-floor-$(date +%s%N)
mkdir -p "$run"
for i in $(seq 1 "$P"); do "$bin" "$run/$i" "$N" "$R" "$G" > "$run/$i.out" & done
wait
cat "$run"/*.out | awk -v p="$P" -v r="$R" -v g="$G" '
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    n += v["messages"]; cpu += v["cpu_us"]; sw += v["voluntary"]; if (v["wall_us"] > wall) wall = v["wall_us"] }
  END { printf "%d process(es) x %d recipient(s), new/ fsync every %d: %d msg = %.0f msg/s; cpu %.0f us/msg; voluntary switches %.1f/msg\n",
        p, r, g, n, n / (wall / 1e6), cpu / n, sw / n }'
rm -f "$bin"
mkdir -p "${TRASH:-/work/bench-trash}"; mv "$run" "${TRASH:-/work/bench-trash}"/

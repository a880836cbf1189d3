#!/usr/bin/env bash
# maildir-floor.sh [P] [N] [R] [GROUP]: the C floor of durable Maildir delivery on this machine
# (benchmarks/src/main/c/maildir-floor.c): P processes side by side in one spool (as a server's sessions
# share the recipients' directories), N messages each, R recipients, each new/ fsynced every GROUP messages
# (1: every message durable before the next). Prints msg/s (all messages from the first process's start to
# the last one's end), CPU µs per message (user + sys of all processes) and context switches per message
# (voluntary + involuntary), as ./txring bench's maildir-floor-c variant counts them. Here the copies start as
# they are spawned (stdin is /dev/null, so no start barrier), which the first-start-to-last-end clock absorbs.
# The spool goes under ${SCRATCH:-/work/bench-scratch} and is moved to ${TRASH:-/work/bench-trash}, never
# deleted (ext4 without a journal scans recently freed inodes: docs/BENCHMARKS.md, fifth step).
set -euo pipefail
P=${1:-1}; N=${2:-2000}; R=${3:-1}; G=${4:-1}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(mktemp /tmp/maildir-floor.XXXX)
trap 'rm -f "$bin"' EXIT
gcc -O2 -Wall -o "$bin" "$here/../src/main/c/maildir-floor.c"
run=${SCRATCH:-/work/bench-scratch}/maildir-floor-$(date +%s%N)
mkdir -p "$run"
pids=()
for i in $(seq 1 "$P"); do "$bin" "$run/spool" "$N" "$R" "$G" < /dev/null > "$run/$i.out" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || { echo "maildir-floor.sh: a copy failed (output in $run)" >&2; exit 1; }; done
cat "$run"/*.out | awk -v p="$P" -v r="$R" -v g="$G" '
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    n += v["messages"]; cpu += v["cpu_us"]; sw += v["voluntary"] + v["involuntary"]; lines++
    if (first == "" || v["start_ns"] < first) first = v["start_ns"]; if (v["end_ns"] > last) last = v["end_ns"] }
  END { if (lines != p || n == 0) { print "maildir-floor.sh: " lines " of " p " copies reported" > "/dev/stderr"; exit 1 }
        printf "%d process(es) x %d recipient(s), new/ fsync every %d: %d msg = %.0f msg/s; cpu %.0f us/msg; context switches %.1f/msg\n",
        p, r, g, n, n / ((last - first) / 1e9), cpu / n, sw / n }'
mkdir -p "${TRASH:-/work/bench-trash}"; mv "$run" "${TRASH:-/work/bench-trash}"/

#!/usr/bin/env bash
# lmtp-alternate.sh ROUNDS "name|MSdir|JOPTS[|EXTRA]" ...: alternating lmtp-ab.sh runs, one line each
# (MSdir: a built examples/mail-spool/target; EXTRA: server arguments, e.g. --event-loops 10)
R=$1; shift
for r in $(seq 1 $R); do for spec in "$@"; do IFS='|' read n d j x <<< "$spec"; echo -n "$n: "; JOPTS="$j" EXTRA="${x:-$EXTRA}" MS=$d W=${W:-10000} N=${N:-8000} S=${S:-10} R=${RC:-3} $(dirname "$0")/lmtp-ab.sh 2>&1 | tail -1; done; done

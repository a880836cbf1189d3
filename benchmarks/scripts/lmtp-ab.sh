#!/usr/bin/env bash
# External-client LMTP measurement: mailspool lmtp + smtp-source; warm-up W msgs, then N measured.
here=$(cd "$(dirname "$0")" && pwd)
# Moves each spool aside to /work/bench-trash (ext4 without a journal scans recently freed inodes: BENCHMARKS.md, fifth step).
# PROF=tasks prints each thread kind's context switches and CPU per message (tasks.py).
# env: WT (tree), S sessions, R recipients, N, W, PROF (jfr|perf|sys|""), EXTRA (server args)
cd "${WT:-$(dirname "$0")/../..}"
S=${S:-10}; R=${R:-3}; N=${N:-4000}; W=${W:-4000}; PORT=${PORT:-2525}
root=$(mktemp -d /tmp/lm.XXXX)
JAVA_TOOL_OPTIONS="${JOPTS:-}" ${MS:-examples/mail-spool/target}/mailspool lmtp --root "$root/spool" --listen 127.0.0.1:$PORT $EXTRA > $root/server.log 2>&1 &
for _ in $(seq 1 100); do pid=$(pgrep -f "java.*$root/spool" | head -1); [ -n "$pid" ] && (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
src() { /usr/sbin/smtp-source -L -d -s $S -r $R -l 4096 -m $1 -M localhost -f bench@localhost -t user@localhost 127.0.0.1:$PORT; }
src $W; src $W
tick() { awk '{print $14, $15}' /proc/$pid/stat; }
read u0 s0 < <(tick); f0=$(awk '{print $16}' /sys/block/vda/stat); cs0=$(awk '/ctxt/{print $2}' /proc/stat)
case "$PROF" in
  sched) perf record -e sched:sched_switch -e sched:sched_wakeup -g -p $pid -o $root/sched.data 2>/dev/null & pp=$! ;;
  perf) perf record -F 999 -g -p $pid -o $root/perf.data 2>/dev/null & pp=$! ;;
  sys) perf stat -x, -e 'raw_syscalls:sys_enter' -e 'syscalls:sys_enter_futex,syscalls:sys_enter_io_uring_enter,syscalls:sys_enter_statx,syscalls:sys_enter_fcntl,syscalls:sys_enter_openat2,syscalls:sys_enter_renameat2,syscalls:sys_enter_linkat,syscalls:sys_enter_unlinkat,syscalls:sys_enter_close,syscalls:sys_enter_pwrite64,syscalls:sys_enter_write,syscalls:sys_enter_read,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync' -e 'io_uring:io_uring_submit_req' -e 'io_uring:io_uring_submit_req' --filter 'opcode == 3' -e 'sched:sched_switch' -p $pid -o $root/perf 2>/dev/null & pp=$! ;;
esac
snap() { for t in /proc/$pid/task/*; do echo "$(cat $t/comm 2>/dev/null|tr " " _) $(awk '/voluntary_ctxt/{printf "%s ",$2}' $t/status 2>/dev/null) $(awk '{print $14+$15}' $t/stat 2>/dev/null)"; done; }
[ "$PROF" = tasks ] && snap > $root/t0
t0=$(date +%s.%N)
src $N
t1=$(date +%s.%N)
[ -n "$pp" ] && { kill -INT $pp; wait $pp 2>/dev/null; }
[ "$PROF" = tasks ] && { snap > $root/t1; python3 "$here"/tasks.py $root/t0 $root/t1 $N; }
read u1 s1 < <(tick); f1=$(awk '{print $16}' /sys/block/vda/stat); cs1=$(awk '/ctxt/{print $2}' /proc/stat)
awk -v n=$N -v t=$(echo "$t1 - $t0" | bc) -v u=$((u1-u0)) -v s=$((s1-s0)) -v f=$((f1-f0)) -v cs=$((cs1-cs0)) 'BEGIN{printf "%d msg in %.2fs = %.0f msg/s; cpu %.0f us/msg (user %.0f sys %.0f); flushes %.2f/msg; ctxsw(all) %.1f/msg\n", n,t,n/t,(u+s)*10000/n,u*10000/n,s*10000/n,f/n,cs/n}'
[ "$PROF" = sys ] && awk -F, -v n=$N '/^[0-9]/{printf "  %-40s %8.2f/msg\n",$3,$1/n}' $root/perf
if [ "$PROF" = perf ]; then perf report -i $root/perf.data --no-children --sort dso,sym --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -${TOP:-60} > /tmp/lm-perf.txt; cp $root/perf.data /tmp/lm-perf.data; fi
[ "$PROF" = sched ] && cp $root/sched.data /tmp/lm-sched.data
kill $pid; wait 2>/dev/null
cp $root/server.log /tmp/lm-server.log; mkdir -p "${TRASH:-/work/bench-trash}"; mv "$root" "${TRASH:-/work/bench-trash}"/

#!/usr/bin/env bash
# §8 flatness: one mailspool lmtp server, TOTAL messages from smtp-source in 10 equal slices; rate and CPU per slice.
cd ${WT:-/work/main}
S=${S:-10}; R=${R:-3}; TOTAL=${TOTAL:-100000}; PORT=${PORT:-2533}; DUR=${DUR:-CONSISTENT}
root=$(mktemp -d ${SCRATCH:-/tmp}/fl.XXXX)
${MS:-examples/mail-spool/target}/mailspool lmtp --root "$root/spool" --listen 127.0.0.1:$PORT --durability $DUR > $root/server.log 2>&1 &
for _ in $(seq 1 100); do pid=$(pgrep -f "java.*$root/spool" | head -1); [ -n "$pid" ] && (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
slice=$((TOTAL/10))
echo "mailspool lmtp --durability $DUR, smtp-source -L -d -s $S -r $R -l 4096, $TOTAL messages in 10 slices of $slice (one server, one spool)"
for i in $(seq 1 10); do
  read u0 s0 < <(awk '{print $14, $15}' /proc/$pid/stat); f0=$(awk '{print $16}' /sys/block/vda/stat); t0=$(date +%s.%N)
  /usr/sbin/smtp-source -L -d -s $S -r $R -l 4096 -m $slice -M localhost -f bench@localhost -t user@localhost 127.0.0.1:$PORT || { echo "smtp-source failed"; break; }
  t1=$(date +%s.%N); read u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat); f1=$(awk '{print $16}' /sys/block/vda/stat)
  awk -v i=$i -v n=$slice -v t=$(echo "$t1 - $t0" | bc) -v c=$((u1+s1-u0-s0)) -v f=$((f1-f0)) -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{printf "slice %2d: %6.0f msg/s  %5.0f us CPU/msg  %.2f flushes/msg  (load %s)\n", i, n/t, c*10000/n, f/n, l}'
done
echo "messages on disk: $(find $root/spool -path '*/new/*' -type f | wc -l) files in new/ (each message once per recipient)"
kill $pid; wait 2>/dev/null; rm -rf "$root"

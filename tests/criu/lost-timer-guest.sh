#!/bin/bash
# A posix timer that comes due while criu has the task frozen for the dump
# (tests/criu-lost-timer).  The task (tests/criu/losttimer.c) runs in a
# new pid namespace with one one-shot timer armed.  criu dumps it with
# tests/criu/slowsplice.c preloaded: at criu's first splice(), once the
# task's pending signals are saved and before its timers are read, a hook
# holds the dump until the timer is past due, and notes the task's signal
# state (/proc/PID/status) before and after.  crit shows what the images
# hold, then criu restores the task in this boot, and the task says
# whether the timer's signal came.
#
# usage: lost-timer-guest.sh CRIU LOSTTIMER SLOWSPLICE_SO [DELAY_MS]
set -uo pipefail
CRIU=$1 W=$2 SO=$3 DELAY=${4:-30000}
D=$VM_PERSIST/criu-lost-timer
rm -rf "$D" && mkdir -p "$D/img"
cd "$D" || exit 1

cat >"$D/hook.sh" <<EOS
#!/bin/bash
# Hold criu at its first splice() until the task's timer is past due.
pid=\$(cat "$D/pid")
due=\$(sed -n 's/^armed: .* due at \([0-9.]*\) .*/\1/p' "$D/report.ktap.out")
status() {
	echo "uptime \$(cut -d' ' -f1 /proc/uptime), timer due at \$due:" \
		\$(grep -E '^(State|SigQ|SigPnd|ShdPnd|SigBlk)' "/proc/\$pid/status" | tr '\t\n' '  ')
}
status >"$D/status-before"
while awk -v u="\$(cut -d' ' -f1 /proc/uptime)" -v d="\$due" 'BEGIN { exit !(u < d + 1) }'; do
	sleep 0.2
done
status >"$D/status-after"
EOS
chmod +x "$D/hook.sh"

# criu's kernel feature cache, so that the dump reaches the task quickly
"$CRIU" check >/dev/null 2>&1
unshare --pid --fork sh -c 'exec "$0" "$@" >"$1.out" 2>&1' \
	"$W" "$D/report.ktap" "$DELAY" 0 </dev/null >"$D/unshare.out" 2>&1 &
for _ in $(seq 50); do
	pid=$(pgrep -f "^$W $D/report.ktap" | head -1) && [ -n "$pid" ] && break
	sleep 0.1
done
[ -n "${pid:-}" ] || { echo "the task did not start"; exit 1; }
echo "$pid" >"$D/pid"
LD_PRELOAD=$SO SLOW_SPLICE_HOOK=$D/hook.sh \
	"$CRIU" dump -t "$pid" -D "$D/img" -v4 -o "$D/dump.log"
echo $? >"$D/dump.rc"
echo "dump: exit $(cat "$D/dump.rc")"
echo "task at the first splice: $(cat "$D/status-before" 2>/dev/null)"
echo "after the timer was due: $(cat "$D/status-after" 2>/dev/null)"
for img in "$D"/img/core-*.img; do
	crit show "$img" 2>/dev/null | python3 -c '
import base64, json, struct, sys
for e in json.load(sys.stdin)["entries"]:
    for t in e.get("tc", {}).get("timers", {}).get("posix", []):
        print("image: posix timer %d: clock %d, signal %d, value %d.%09d, interval %d.%09d, overrun %d" %
              (t["it_id"], t["clock_id"], t["si_signo"], t["vsec"], t["vnsec"], t["isec"], t["insec"], t["overrun"]))
    for q, where in ((e.get("tc", {}).get("signals_s", {}), "shared"),
                     (e.get("thread_core", {}).get("signals_p", {}), "private")):
        sigs = q.get("signals", [])
        print("image: %d %s pending signal(s)%s" % (len(sigs), where, "".join(
            ": signo %d si_code %d" % struct.unpack("<iii", base64.b64decode(s["siginfo"])[:12])[0::2]
            for s in sigs)))
' || echo "crit show $img failed"
done | tee "$D/image"
"$CRIU" restore -D "$D/img" -d -v4 -o "$D/restore.log" --pidfile "$D/rpid"
echo $? >"$D/restore.rc"
echo "restore: exit $(cat "$D/restore.rc")"
rpid=$(cat "$D/rpid" 2>/dev/null) && kill -USR1 "$rpid"
for _ in $(seq 100); do
	[ "$(grep -c '^\(not \)\?ok ' "$D/report.ktap" 2>/dev/null)" = 2 ] && break
	sleep 0.1
done
cat "$D/report.ktap" 2>/dev/null || { echo "no report"; cat "$D/report.ktap.out"; }

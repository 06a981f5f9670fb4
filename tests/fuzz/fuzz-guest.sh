#!/bin/bash
# In the guest (scripts/fuzz): trinity against the system calls of time
# namespaces, for SECONDS or CALLS calls, with a partner, then a verdict
# on the kernel log (KTAP).
#   root    trinity as root of the initial namespaces, while churn writes
#           random lines to /proc/<pid>/timens_offsets of random tasks
#   userns  trinity as root of a user namespace, inside a time namespace
#           that owns its wall clock (tools/timens-run -r --date), while
#           churn sets that clock in a loop
set -uo pipefail
mode=$1 secs=$2 calls=$3 bin=$4
cd "${TMPDIR:-/tmp}" || exit 1

syscalls=(clock_gettime clock_settime clock_getres clock_nanosleep
	clock_adjtime timer_create timer_settime timer_gettime timer_getoverrun
	timer_delete timerfd_create timerfd_settime timerfd_gettime futex
	nanosleep adjtimex settimeofday gettimeofday time stime unshare setns
	io_uring_setup io_uring_enter io_uring_register)
# No sockets: trinity 2023.01 crashes generating them in a user namespace,
# and no call of ours takes one
targs=(--dangerous -q -l off -C 2 -N "$calls" --disable-fds=sockets)
for c in "${syscalls[@]}"; do targs+=(-c "$c"); done

echo "KTAP version 1"
echo "1..2"
echo "# $mode: trinity -N $calls for at most $secs s on ${#syscalls[@]} system calls ($(uname -r))"
start=$(cut -d. -f1 /proc/uptime)
case "$mode" in
root)
	"$bin/churn" offsets "$secs" >churn.out 2>&1 &
	timeout -s INT -k 60 "$secs" trinity "${targs[@]}" >trinity.out 2>&1
	rc=$?
	wait
	;;
userns)
	"$bin/timens-run" -r --date +1d -- sh -c '
		"$0/churn" clock "$1" >churn.out 2>&1 &
		timeout -s INT -k 60 "$1" trinity "$@"
		rc=$?
		wait
		exit $rc' "$bin" "$secs" "${targs[@]}" >trinity.out 2>&1
	rc=$?
	;;
esac
took=$(($(cut -d. -f1 /proc/uptime) - start))
grep -E "Ran [0-9]+ syscalls|Bailing|ERROR" trinity.out | tail -5 | sed 's/^/# /'
sed 's/^/# /' churn.out
ran=$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p' trinity.out | tail -1)
# 124: stopped at the time bound, which is a bounded run too
case $rc in 0|124|130) r=0 ;; *) r=1 ;; esac
[ "${ran:-0}" -gt 0 ] || r=1
[ $r = 0 ] || tail -20 trinity.out | sed 's/^/# /'
echo "$([ $r = 0 ] || echo "not ")ok 1 $mode: trinity made ${ran:-no} calls in $took s and stopped (exit $rc)"

# kmemleak: two scans, as tests/guest-suite does
leaks=
if [ -e /sys/kernel/debug/kmemleak ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null; then
	if [ -e /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak
		leaks=$(cat /sys/kernel/debug/kmemleak)
	fi
fi
splats=$(dmesg | grep -E 'BUG:|WARNING:|Oops|Call Trace:|KASAN|UBSAN|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU|INFO: task .* blocked|Invalid wait context|kmemleak:.*new suspected' || true)
if [ -n "$leaks" ]; then
	splats+=$'\n'"kmemleak: $(grep -c unreferenced <<<"$leaks") unreferenced objects"
	head -40 <<<"$leaks" | sed 's/^/# /'
fi
if [ -n "${splats//$'\n'/}" ]; then
	echo "$splats" | head -40 | sed 's/^/# /'
	dmesg | grep -E -A30 'BUG:|WARNING:|Oops|KASAN|UBSAN|lock' | head -80 | sed 's/^/# /'
	echo "not ok 2 $mode: kernel log free of splats"
else
	echo "ok 2 $mode: kernel log free of splats"
fi

#!/bin/bash
# LXC, as Debian 12 ships it (5.0.2), against our kernel: a container
# whose configuration sets lxc.time.offset.monotonic and
# lxc.time.offset.boot, started by lxc-execute and by lxc-start, seen from
# inside (/proc/uptime, clock_gettime(), /proc/self/timens_offsets), from
# lxc-attach, and from the guest.  LXC writes each offset by clock id, one
# write each ("7 SEC NSEC", then "1 SEC NSEC"); it has no key for a
# realtime offset.  Runs in the guest as root; prints KTAP.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../runtimes/lib.sh"

echo "KTAP version 1"
echo "1..8"
require_guest
require lxc-execute lxc
echo "# lxc $(lxc-execute --version)"

tmp=${TMPDIR:-/tmp}/lxc-test.$$
rootfs=$tmp/rootfs lxcpath=$tmp/lxcpath config=$tmp/config
# LXC's cgroup and run directory, removed afterwards if LXC made them
made=()
[ -e /run/lxc ] || made+=(/run/lxc)
[ -d /sys/fs/cgroup/lxc.pivot ] && pivot_was_there=1 || pivot_was_there=0
cleanup() {
	lxc-stop -n tz-start -P "$lxcpath" -k >/dev/null 2>&1
	[ "$pivot_was_there" = 1 ] || rmdir /sys/fs/cgroup/lxc.pivot 2>/dev/null
	rm -rf "$tmp" "${made[@]}"
}
trap cleanup EXIT
make_rootfs "$rootfs"
mkdir -p "$lxcpath"
# What the container reports, into its own /tmp (LXC gives its processes
# the container's console, not the caller's stdout).
cat >"$rootfs/bin/report" <<'SH'
#!/bin/sh
{
	cat /proc/self/timens_offsets
	echo uptime $(cat /proc/uptime)
	clockprobe
} >/tmp/report.$1 2>&1
SH
chmod +x "$rootfs/bin/report"
cat >"$config" <<EOF2
lxc.uts.name = timens
lxc.rootfs.path = dir:$rootfs
lxc.mount.auto = proc:rw
lxc.net.0.type = empty
lxc.time.offset.monotonic = 2h
lxc.time.offset.boot = 48h
EOF2
sed 's/^/# config: /' "$config"

# lxc-execute
up0=$(uptime_s) g0=$("$PROBE")
lxc-execute -n tz-exec -P "$lxcpath" -f "$config" -o "$tmp/execute.log" -- /bin/report execute
rc=$?
up1=$(uptime_s) g1=$("$PROBE")
out=$(cat "$rootfs/tmp/report.execute" 2>/dev/null)
echo "$out" | sed 's/^/# inside: /'
[ "$rc" = 0 ] && [ -n "$out" ]
ok $? "lxc-execute runs a container with lxc.time.offset.monotonic = 2h, lxc.time.offset.boot = 48h" \
	"rc $rc; $(grep -m3 ERROR "$tmp/execute.log")"

offs=$(offsets_of "$(echo "$out" | grep -E '^(monotonic|boottime|realtime|tai) ')")
[ "$offs" = "monotonic 7200 0|boottime 172800 0" ]
ok $? "its /proc/self/timens_offsets shows monotonic 7200 and boottime 172800" "got: $offs"

up=$(echo "$out" | awk '$1 == "uptime" { print $2 }')
within "$(minus "${up:-0}" 172800)" "$up0" "$up1"
ok $? "its /proc/uptime is the guest's plus 48 h ($up)" "guest $up0..$up1"

probe=$(echo "$out" | grep '^vdso ')
r=0
for how in vdso sys; do
	within "$(minus "$(probe_field "$probe" ${how}_mono)" 7200)" \
		"$(probe_field "$g0" vdso_mono)" "$(probe_field "$g1" vdso_mono)" || r=1
	within "$(minus "$(probe_field "$probe" ${how}_boot)" 172800)" \
		"$(probe_field "$g0" vdso_boot)" "$(probe_field "$g1" vdso_boot)" || r=1
done
ok $r "its clock_gettime() (vDSO and syscall): MONOTONIC +7200 s, BOOTTIME +172800 s ($(probe_field "$probe" vdso_mono), $(probe_field "$probe" vdso_boot))" \
	"inside: $probe; guest $g0 .. $g1"

# lxc-start (daemonized), then lxc-attach
lxc-start -n tz-start -P "$lxcpath" -f "$config" -o "$tmp/start.log" \
	-s "lxc.init.cmd=/bin/sleep 600"
rc=$?
lxc-wait -n tz-start -P "$lxcpath" -s RUNNING -t 60
pid=$(lxc-info -n tz-start -P "$lxcpath" -p -H 2>/dev/null)
ns=$(readlink "/proc/${pid:-0}/ns/time" 2>/dev/null)
offs=$(offsets_of "$(cat "/proc/${pid:-0}/timens_offsets" 2>/dev/null)")
echo "# lxc-start: init pid ${pid:-?}, $ns (the guest's: $(readlink /proc/self/ns/time)), offsets $offs"
[ "$rc" = 0 ] && [ -n "$ns" ] && [ "$ns" != "$(readlink /proc/self/ns/time)" ] &&
	[ "$offs" = "monotonic 7200 0|boottime 172800 0" ]
ok $? "lxc-start: the guest sees the container's init in a time namespace of its own, with these offsets" \
	"rc $rc, pid ${pid:-none}, ns $ns, offsets $offs; $(grep -m3 ERROR "$tmp/start.log")"

up0=$(uptime_s)
lxc-attach -n tz-start -P "$lxcpath" -- /bin/report attach
rc=$?
up1=$(uptime_s)
out=$(cat "$rootfs/tmp/report.attach" 2>/dev/null)
up=$(echo "$out" | awk '$1 == "uptime" { print $2 }')
offs=$(offsets_of "$(echo "$out" | grep -E '^(monotonic|boottime) ')")
echo "# lxc-attach: uptime $up, offsets $offs"
[ "$rc" = 0 ] && [ "$offs" = "monotonic 7200 0|boottime 172800 0" ] &&
	within "$(minus "${up:-0}" 172800)" "$up0" "$up1"
ok $? "lxc-attach joins the container's time namespace: uptime $up" "rc $rc; guest $up0..$up1; $out"

inside_ns=
lxc-attach -n tz-start -P "$lxcpath" -- /bin/sh -c 'readlink /proc/self/ns/time >/tmp/ns' &&
	inside_ns=$(cat "$rootfs/tmp/ns" 2>/dev/null)
[ "$inside_ns" = "$ns" ]
ok $? "the attached process is in the namespace of the container's init ($inside_ns)" "init $ns, attached $inside_ns"

lxc-stop -n tz-start -P "$lxcpath" -k
rc=$?
for _ in $(seq 50); do
	[ -e "/proc/$pid" ] || break
	sleep 0.2
done
running=$(lxc-ls -P "$lxcpath" --running 2>/dev/null)
[ "$rc" = 0 ] && [ ! -e "/proc/$pid" ] && [ -z "$running" ]
ok $? "lxc-stop stops it" "rc $rc, init $pid $([ -e "/proc/$pid" ] && echo "still there"), running: $running"
exit 0

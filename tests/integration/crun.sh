#!/bin/bash
# crun, as Debian 12 ships it (1.8.1), against our kernel: an OCI bundle
# asking for a time namespace, with the offsets in crun's annotation
# run.oci.timens_offset, which crun writes verbatim into
# /proc/self/timens_offsets.  Monotonic and boottime offsets (what mainline
# offers), then a realtime offset: the container runs in 2038 and date -s
# inside moves the container only.  Runs in the guest as root; prints KTAP.
#
# The container has a user namespace mapping its root to the guest's root:
# crun 1.8.1 cannot create a time namespace beside a new PID namespace
# without one (its first child is the PID namespace's init, and exits once
# it has forked the container's process, which the kernel then kills;
# mainline 6.12 behaves the same), and with a root mapped elsewhere the
# non-dumpable crun may not open /proc/self/timens_offsets (EACCES, on
# mainline too).  crun keeps its default cgroup manager (cgroupfs, on the
# guest's cgroup2 without controllers).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../runtimes/lib.sh"

echo "KTAP version 1"
echo "1..11"
require_guest
require crun crun

tmp=${TMPDIR:-/tmp}/crun-test.$$
state=$tmp/state	# crun --root: its own state directory
bundle=$tmp/bundle
ccrun() { crun --root "$state" "$@"; }
made=()	# crun's run directory, removed afterwards if crun made it
[ -e /run/crun ] || made+=(/run/crun)
echo "# $(crun --version | head -1)"
cleanup() {
	ccrun kill tz-wall KILL >/dev/null 2>&1
	ccrun delete -f tz-wall >/dev/null 2>&1
	ccrun delete -f tz-mono >/dev/null 2>&1
	rm -rf "$tmp" "${made[@]}"
}
trap cleanup EXIT
mkdir -p "$state"
make_rootfs "$bundle/rootfs"

# write_config ANNOTATION ARG...: $bundle/config.json, the process ARGs
# (no quotes or backslashes in them), ANNOTATION as JSON string text.
write_config() {
	local offsets=$1 args='' a
	shift
	for a in "$@"; do args+="${args:+, }\"$a\""; done
	cat >"$bundle/config.json" <<-JSON
	{
	  "ociVersion": "1.0.2",
	  "process": {
	    "terminal": false,
	    "user": {"uid": 0, "gid": 0},
	    "args": [$args],
	    "env": ["PATH=/bin"],
	    "cwd": "/",
	    "capabilities": {
	      "bounding": ["CAP_SYS_TIME"],
	      "effective": ["CAP_SYS_TIME"],
	      "permitted": ["CAP_SYS_TIME"]
	    }
	  },
	  "root": {"path": "rootfs"},
	  "hostname": "timens",
	  "mounts": [
	    {"destination": "/proc", "type": "proc", "source": "proc"},
	    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
	     "options": ["nosuid", "mode=755", "size=1m"]}
	  ],
	  "annotations": {"run.oci.timens_offset": "$offsets"},
	  "linux": {
	    "uidMappings": [{"containerID": 0, "hostID": 0, "size": 65536}],
	    "gidMappings": [{"containerID": 0, "hostID": 0, "size": 65536}],
	    "namespaces": [
	      {"type": "pid"}, {"type": "mount"}, {"type": "ipc"},
	      {"type": "uts"}, {"type": "network"}, {"type": "user"},
	      {"type": "time"}
	    ]
	  }
	}
	JSON
}

# (a) monotonic and boottime offsets
write_config 'monotonic 86400 0\nboottime 172800 0' \
	/bin/sh -c 'cat /proc/self/timens_offsets; echo uptime $(cat /proc/uptime); clockprobe'
up0=$(uptime_s) g0=$("$PROBE")
out=$(ccrun run --bundle "$bundle" tz-mono 2>&1)
rc=$?
up1=$(uptime_s) g1=$("$PROBE")
echo "$out" | sed 's/^/# inside: /'
[ "$rc" = 0 ]
ok $? "crun runs a container whose run.oci.timens_offset sets monotonic and boottime" "rc $rc"

offs=$(offsets_of "$(echo "$out" | grep -E '^(monotonic|boottime|realtime|tai) ')")
[ "$offs" = "monotonic 86400 0|boottime 172800 0" ]
ok $? "its /proc/self/timens_offsets shows monotonic 86400 and boottime 172800" "got: $offs"

up=$(echo "$out" | awk '$1 == "uptime" { print $2 }')
within "$(minus "${up:-0}" 172800)" "$up0" "$up1"
ok $? "its /proc/uptime is the guest's plus two days ($up)" "guest $up0..$up1"

probe=$(echo "$out" | grep '^vdso ')
r=0
for how in vdso sys; do
	within "$(minus "$(probe_field "$probe" ${how}_mono)" 86400)" \
		"$(probe_field "$g0" vdso_mono)" "$(probe_field "$g1" vdso_mono)" || r=1
done
ok $r "its CLOCK_MONOTONIC (vDSO and syscall) is the guest's plus 86400 s ($(probe_field "$probe" vdso_mono))" \
	"inside: $probe; guest $g0 .. $g1"
r=0
for how in vdso sys; do
	within "$(minus "$(probe_field "$probe" ${how}_boot)" 172800)" \
		"$(probe_field "$g0" vdso_boot)" "$(probe_field "$g1" vdso_boot)" || r=1
done
ok $r "its CLOCK_BOOTTIME (vDSO and syscall) is the guest's plus 172800 s ($(probe_field "$probe" vdso_boot))" \
	"inside: $probe; guest $g0 .. $g1"
r=0
for how in vdso sys; do
	within "$(probe_field "$probe" ${how}_real)" \
		"$(probe_field "$g0" vdso_real)" "$(probe_field "$g1" vdso_real)" || r=1
done
ok $r "without a realtime line its CLOCK_REALTIME is the guest's" "inside: $probe; guest $g0 .. $g1"

# (b) a realtime offset: the container at 2038-01-19 03:14:00 UTC
wall0=$(host_wall) year0=$(date -u +%Y)
off=$(( $(date -u -d '2038-01-19 03:14:00' +%s) - $(date +%s) ))
write_config "realtime $off 0" /bin/sleep 600
g0=$("$PROBE")
ccrun run --bundle "$bundle" --detach tz-wall >/dev/null 2>&1
rc=$?
probe=$(ccrun exec tz-wall /bin/clockprobe 2>&1)
in_date=$(ccrun exec tz-wall /bin/date -u '+%F %T' 2>&1)
offs=$(offsets_of "$(ccrun exec tz-wall /bin/cat /proc/self/timens_offsets 2>&1)")
g1=$("$PROBE")
echo "# realtime offset $off s; inside: date $in_date, offsets $offs"
[ "$rc" = 0 ] && [ "${in_date%% *}" = 2038-01-19 ]
ok $? "crun runs a container whose run.oci.timens_offset says 'realtime $off 0': its date is $in_date" \
	"rc $rc, date: $in_date"

r=0
for how in vdso sys; do
	within "$(minus "$(probe_field "$probe" ${how}_real)" "$off")" \
		"$(probe_field "$g0" vdso_real)" "$(probe_field "$g1" vdso_real)" || r=1
done
ok $r "its CLOCK_REALTIME (vDSO and syscall) is the guest's plus the offset" "inside: $probe; guest $g0 .. $g1"

case "|$offs|" in *"|realtime $off 0|"*) r=0 ;; *) r=1 ;; esac
ok $r "its /proc/self/timens_offsets shows the realtime line" "got: $offs"

set_out=$(ccrun exec tz-wall /bin/date -s '2040-02-29 12:00:00' 2>&1)
rc=$?
later=$(ccrun exec tz-wall /bin/date -u +%F 2>&1)
echo "# date -s inside: rc $rc ($set_out); then another process reads $later; guest $(date -u '+%F %T')"
[ "$rc" = 0 ] && [ "$later" = 2040-02-29 ]
ok $? "date -s '2040-02-29 12:00:00' inside moves the container's date" "rc $rc: $set_out; then $later"

unmoved "$wall0" && [ "$(date -u +%Y)" = "$year0" ]
ok $? "the guest's clock did not move (REALTIME - BOOTTIME within 1 s, year $year0)" \
	"before $wall0, now $(host_wall), $(date -u)"
exit 0

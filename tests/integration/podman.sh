#!/bin/bash
# podman, as Debian 12 ships it (4.3.1, with crun 1.8.1), against our
# kernel: a container from a local root filesystem (--rootfs, no registry,
# no image), with crun's annotation run.oci.timens_offset
# (--annotation).  podman 4.3 has no option that asks for a time
# namespace, so the annotation alone does nothing; podman's documented
# precreate hook (--hooks-dir, tests/runtimes/podman-timens-hook) adds the
# namespace to the configuration, and then crun writes the offsets: a
# boottime offset and a realtime offset, with which the container runs in
# 2038, and date -s inside moves the container only.
#
# What podman needs here, and why:
#   --root/--runroot under $TMPDIR, --storage-driver vfs, --events-backend
#   file: the guest's root is read-only, and it runs no systemd or journald;
#   --cgroups=disabled: with cgroups, crun loads an eBPF device filter
#   ("bpf create: Function not implemented") and podman enables
#   controllers in cgroup.subtree_control, which the test kernel lacks;
#   --network none: no bridge or firewall in the guest;
#   --uidmap/--gidmap 0:0:65536: crun 1.8.1 creates a time namespace beside
#   the PID namespace only together with a user namespace (see crun.sh);
#   --annotation is a comma-separated list that podman reads as CSV: a
#   value of several lines must be quoted ("key=line1<newline>line2"),
#   or podman keeps its first line only.
# Runs in the guest as root; prints KTAP.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../runtimes/lib.sh"

echo "KTAP version 1"
echo "1..8"
require_guest
require podman podman
require crun crun

tmp=${TMPDIR:-/tmp}/podman-test.$$
rootfs=$tmp/rootfs
pm=(podman --root "$tmp/root" --runroot "$tmp/runroot" --storage-driver vfs
	--cgroup-manager cgroupfs --events-backend file --runtime crun)
run=(run --rm --cgroups=disabled --network none)
userns=(--uidmap 0:0:65536 --gidmap 0:0:65536)
# podman's and crun's run directories, removed afterwards if podman made them
made=()
for d in /run/libpod /run/crun /run/containers; do
	[ -e "$d" ] || made+=("$d")
done
echo "# $(podman --version), $(crun --version | head -1)"
cleanup() {
	"${pm[@]}" rm -a -f >/dev/null 2>&1
	# conmon runs "podman ... container cleanup" once a container exits
	for _ in $(seq 150); do
		pgrep -x conmon >/dev/null || pgrep -f "$tmp/root.* container cleanup" >/dev/null || break
		sleep 0.2
	done
	rm -rf "$tmp" "${made[@]}"
}
trap cleanup EXIT
make_rootfs "$rootfs"
mkdir -p "$tmp/no-hooks" "$tmp/hooks"
cat >"$tmp/hooks/timens.json" <<EOF2
{
  "version": "1.0.0",
  "hook": {"path": "$runtimes_dir/podman-timens-hook"},
  "when": {"annotations": {"^run\\\\.oci\\\\.timens_offset\$": ".*"}},
  "stages": ["precreate"]
}
EOF2
report='readlink /proc/self/ns/time; cat /proc/self/timens_offsets; echo uptime $(cat /proc/uptime); clockprobe'
host_ns=$(readlink /proc/self/ns/time)

# The annotation alone
up0=$(uptime_s)
out=$("${pm[@]}" --hooks-dir "$tmp/no-hooks" "${run[@]}" \
	--annotation run.oci.timens_offset="monotonic 86400 0" \
	--rootfs "$rootfs" /bin/sh -c "$report" 2>&1)
rc=$?
up1=$(uptime_s)
echo "$out" | sed 's/^/# annotation alone: /'
[ "$rc" = 0 ] && echo "$out" | grep -q '^vdso '
ok $? "podman runs a container from --rootfs in the guest" "rc $rc"
up=$(echo "$out" | awk '$1 == "uptime" { print $2 }')
[ "$(echo "$out" | head -1)" = "$host_ns" ] && within "${up:-0}" "$up0" "$up1"
ok $? "without a time namespace in the configuration the annotation is not applied (the guest's namespace and uptime)" \
	"guest $host_ns, uptime $up0..$up1"

# With the precreate hook: a boottime and a realtime offset (2038-01-19
# 03:14:00 UTC), two lines in one annotation, then date -s inside
wall0=$(host_wall) year0=$(date -u +%Y)
off=$(( $(date -u -d '2038-01-19 03:14:00' +%s) - $(date +%s) ))
up0=$(uptime_s) g0=$("$PROBE")
out=$("${pm[@]}" --hooks-dir "$tmp/hooks" "${run[@]}" "${userns[@]}" --cap-add SYS_TIME \
	--annotation "\"run.oci.timens_offset=$(printf 'boottime 172800 0\nrealtime %s 0' "$off")\"" \
	--rootfs "$rootfs" /bin/sh -c "$report"'; echo date $(date -u "+%F %T")
		date -s "2040-02-29 12:00:00" >/dev/null; echo set $?; echo later $(date -u +%F)' 2>&1)
rc=$?
up1=$(uptime_s) g1=$("$PROBE")
echo "$out" | sed 's/^/# with the hook: /'
ns=$(echo "$out" | head -1)
[ "$rc" = 0 ] && [ "${ns#time:}" != "$ns" ] && [ "$ns" != "$host_ns" ]
ok $? "with the precreate hook the container has a time namespace of its own ($ns)" "rc $rc, guest $host_ns"

offs=$(offsets_of "$(echo "$out" | grep -E '^(monotonic|boottime|realtime|tai) ')")
[ "$offs" = "monotonic 0 0|boottime 172800 0|realtime $off 0|tai $off 0" ]
ok $? "crun wrote both lines of the annotation: boottime 172800, realtime $off" "got: $offs"

up=$(echo "$out" | awk '$1 == "uptime" { print $2 }')
probe=$(echo "$out" | grep '^vdso ')
r=0
within "$(minus "${up:-0}" 172800)" "$up0" "$up1" || r=1
for how in vdso sys; do
	within "$(minus "$(probe_field "$probe" ${how}_boot)" 172800)" \
		"$(probe_field "$g0" vdso_boot)" "$(probe_field "$g1" vdso_boot)" || r=1
done
ok $r "its /proc/uptime ($up) and CLOCK_BOOTTIME (vDSO and syscall) are the guest's plus 172800 s" \
	"guest uptime $up0..$up1; inside: $probe; guest $g0 .. $g1"

in_date=$(echo "$out" | sed -n 's/^date //p')
r=0
[ "${in_date%% *}" = 2038-01-19 ] || r=1
for how in vdso sys; do
	within "$(minus "$(probe_field "$probe" ${how}_real)" "$off")" \
		"$(probe_field "$g0" vdso_real)" "$(probe_field "$g1" vdso_real)" || r=1
done
ok $r "its date is $in_date: CLOCK_REALTIME (vDSO and syscall) is the guest's plus the offset" \
	"inside: $probe; guest $g0 .. $g1"

[ "$(echo "$out" | sed -n 's/^set //p')" = 0 ] && [ "$(echo "$out" | sed -n 's/^later //p')" = 2040-02-29 ]
ok $? "date -s '2040-02-29 12:00:00' inside (--cap-add SYS_TIME) moves the container's date"
unmoved "$wall0" && [ "$(date -u +%Y)" = "$year0" ]
ok $? "the guest's clock did not move (REALTIME - BOOTTIME within 1 s, year $year0)" \
	"before $wall0, now $(host_wall), $(date -u)"
exit 0

#!/bin/bash
# Debian's criu, unmodified, accepts our kernel: 'criu check' and its time
# namespace feature check.  Prints KTAP.
set -uo pipefail
echo "KTAP version 1"
echo "1..2"
out=$(criu check 2>&1)
rc=$?
echo "$out" | grep -v '^Error (criu/util.c:[0-9]*): exited, status=1$' | tail -5 | sed 's/^/# /'
[ $rc = 0 ] && echo "$out" | grep -q "Looks good"
echo "$([ $? = 0 ] || echo "not ")ok 1 criu check: Looks good."
out=$(criu check --feature timens 2>&1)
rc=$?
echo "$out" | tail -2 | sed 's/^/# /'
echo "$([ $rc = 0 ] || echo "not ")ok 2 criu check --feature timens"

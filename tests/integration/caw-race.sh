#!/bin/bash
# Two initiators race COMPARE AND WRITE on the same block (caw-race.c): in
# every round exactly one wins, the other gets MISCOMPARE, and the block holds
# the winner's data whole. scstd runs two reactors, so the two sessions run on
# two threads and really race.
. "$(dirname "$0")/lib.sh"

RACE=$BUILD/tests/integration/caw-race
[ -x "$RACE" ] || { skip "caw-race" "libiscsi-dev not installed"; exit 0; }
IQN=iqn.2026-11.org.scst:caw
truncate -s 16M "$TMPD/caw.img"
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $TMPD/caw.img
	}
}
TARGET_DRIVER iscsi {
	TARGET $IQN {
		LUN 0 disk0
		enabled 1
	}
}
CONF
start_scstd "$TMPD/scst.conf" || { not_ok "scstd starts"; exit 1; }
out=$(timeout 120 "$RACE" "iscsi://127.0.0.1:$PORT/$IQN/0" iqn.2026-11.org.test:caw-a \
	iqn.2026-11.org.test:caw-b 300)
rc=$?
echo "# $out"
[ $rc = 0 ] && ok "300 rounds of racing COMPARE AND WRITE: one winner each, no torn block" ||
	not_ok "300 rounds of racing COMPARE AND WRITE: one winner each, no torn block"
stop_scstd
check_sanitizers

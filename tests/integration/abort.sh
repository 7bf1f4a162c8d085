#!/bin/bash
# Task management against a slow backend: LUN 0 is vdisk_nullio with
# delay_ms 800, so a READ sits in the backend while it is aborted, and a
# WRITE waits for its Data-Out after an R2T. pdu-client checks the TMF
# responses and that nothing more is sent for an aborted task.
. "$(dirname "$0")/lib.sh"

PDU=$BUILD/tests/integration/pdu-client
T=iqn.2026-11.org.scst:abort
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE slow0 {
		size 67108864
		delay_ms 800
	}
}
TARGET_DRIVER iscsi {
	TARGET $T {
		LUN 0 slow0
		InitialR2T Yes
		enabled 1
	}
}
CONF
start_scstd "$TMPD/scst.conf" --control "$TMPD/ctl.sock" || { not_ok "scstd starts"; exit 1; }
out=$(timeout 30 "$PDU" 127.0.0.1 "$PORT" abort-slow "$T" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc = 0 ] && ok "ABORT TASK in the backend and while waiting for Data-Out: FUNCTION COMPLETE, no stray PDU" ||
	not_ok "ABORT TASK in the backend and while waiting for Data-Out: FUNCTION COMPLETE, no stray PDU"
# The TMF response to the READ comes only once the READ left the backend: the
# time it took is printed above (about delay_ms minus the 0.1 s before the abort).
reads=$("$BUILD/scstadm" -s "$TMPD/ctl.sock" get devices/slow0/stats/reads 2>/dev/null)
[ "$reads" = 1 ] && ok "the aborted READ left the backend before the TMF response (reads=1)" ||
	not_ok "the aborted READ left the backend before the TMF response (reads=${reads:-?})"
scstd_alive && ok "scstd alive" || not_ok "scstd alive"
stop_scstd
check_sanitizers

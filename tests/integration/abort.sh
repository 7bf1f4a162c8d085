#!/bin/bash
# Task management against a slow backend: LUN 0 is vdisk_nullio with
# delay_ms 800, so a READ sits in the backend while it is aborted, and a
# WRITE waits for its Data-Out after an R2T. pdu-client checks the TMF
# responses and that nothing more is sent for an aborted task; then a LUN
# RESET from one I_T nexus aborts another nexus's READ (on another reactor,
# scstd runs two), with the control mode page's TAS set to 0 and to 1.
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
# ABORT TASK while the READ's Data-In is being sent.
out=$(timeout 30 "$PDU" 127.0.0.1 "$PORT" abort-in-response "$T" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc = 0 ] && ok "ABORT TASK during the response: all data and the status, then Task does not exist, nothing after it" ||
	not_ok "ABORT TASK during the response (rc $rc)"
out=$(timeout 30 "$PDU" 127.0.0.1 "$PORT" aca-attr "$T" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc = 0 ] && ok "a command with the ACA attribute and no ACA condition: INVALID MESSAGE ERROR" ||
	not_ok "ACA task attribute (rc $rc)"
# LUN RESET from one nexus while another has a READ in the backend, with TAS 0 and 1.
for tas in 0 1; do
	out=$(timeout 30 "$PDU" 127.0.0.1 "$PORT" reset-other-tas$tas "$T" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	[ $rc = 0 ] && ok "LUN RESET with TAS $tas: waits for the other nexus's READ, which ends $([ $tas = 1 ] && echo 'with TASK ABORTED' || echo silently); 6/29/03 next" ||
		not_ok "LUN RESET with TAS $tas aborts the other nexus's READ (rc $rc)"
done
# PREEMPT AND ABORT: the preempted nexus's READ in the backend is aborted first.
out=$(timeout 30 "$PDU" 127.0.0.1 "$PORT" preempt-abort "$T" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc = 0 ] && ok "PREEMPT AND ABORT waits for the preempted nexus's READ, which ends with TASK ABORTED" ||
	not_ok "PREEMPT AND ABORT aborts the preempted nexus's READ (rc $rc)"
scstd_alive && ok "scstd alive" || not_ok "scstd alive"
stop_scstd
check_sanitizers

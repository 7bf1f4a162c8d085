#!/bin/bash
# End-to-end iSCSI protocol scenarios that libiscsi's tools cannot drive
# (RFC 7143): CRC32C digests on every PDU and digest errors at ERL 0, session
# reinstatement and logins naming a TSIH, NOP-In keep-alive and the drop of a
# silent initiator, Logout, task management. The raw-socket client
# (pdu-client) plays the initiator against a real scstd with a vdisk_fileio
# LUN 0 on a temp file and a vdisk_nullio LUN 1.
. "$(dirname "$0")/lib.sh"

PDU=$BUILD/tests/integration/pdu-client
[ -x "$PDU" ] || { not_ok "pdu-client is built"; exit 1; }
T=iqn.2026-11.org.scst:proto
truncate -s 64M "$TMPD/lun0.img"
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $TMPD/lun0.img
	}
}
HANDLER vdisk_nullio {
	DEVICE null0 {
		size 67108864
	}
}
TARGET_DRIVER iscsi {
	TARGET $T {
		LUN 0 disk0
		LUN 1 null0
		enabled 1
	}
}
CONF
start_scstd "$TMPD/scst.conf" || { not_ok "scstd starts"; exit 1; }

# run_sc NAME: one scenario, one TAP line with the client's summary.
run_sc() {
	local sc=$1 rc=0
	timeout 40 "$PDU" 127.0.0.1 "$PORT" "$sc" "$T" >"$TMPD/$sc.out" 2>"$TMPD/$sc.err" || rc=$?
	report_sc "$sc" "$rc"
}

report_sc() {
	local sc=$1 rc=$2
	if [ "$rc" -eq 0 ]; then
		ok "$sc: $(tail -n 1 "$TMPD/$sc.out")"
	else
		not_ok "$sc (status $rc): $(tail -n 1 "$TMPD/$sc.out")"
		sed 's/^/# /' "$TMPD/$sc.err" | tail -n 10
	fi
}

# The keep-alive scenarios take about 20 s each: they run beside the others.
timeout 40 "$PDU" 127.0.0.1 "$PORT" nop-silent "$T" >"$TMPD/nop-silent.out" 2>"$TMPD/nop-silent.err" &
SILENT=$!
timeout 40 "$PDU" 127.0.0.1 "$PORT" nop-answer "$T" >"$TMPD/nop-answer.out" 2>"$TMPD/nop-answer.err" &
ANSWER=$!
EXTRA_PIDS="$SILENT $ANSWER"

for sc in digest-io first-burst digest-bad-dataout digest-bad-immediate digest-bad-header reinstate \
	nop-echo logout-close logout-recovery tmf; do
	run_sc "$sc"
	scstd_alive || { not_ok "scstd alive after $sc"; exit 1; }
done

rc=0; wait $SILENT || rc=$?; report_sc nop-silent $rc
rc=0; wait $ANSWER || rc=$?; report_sc nop-answer $rc
EXTRA_PIDS=""

scstd_alive && ok "scstd alive after every scenario" || not_ok "scstd alive after every scenario"
stop_scstd && ok "scstd exits cleanly on SIGTERM" || not_ok "scstd exits cleanly on SIGTERM"
check_sanitizers

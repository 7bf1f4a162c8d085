#!/bin/bash
# Hostile input on the wire (RFC 7143 parsers are where iSCSI targets break):
# each scenario of the raw-socket client must get a Reject, a login reject or
# a closed connection; meanwhile a well-behaved session keeps working and the
# daemon leaks nothing (the ASan run checks that at exit).
. "$(dirname "$0")/lib.sh"

PDU=$BUILD/tests/integration/pdu-client
[ -x "$PDU" ] || { not_ok "pdu-client is built"; exit 1; }
T=iqn.2026-11.org.scst:t1
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE null0 {
		size 67108864
	}
}
TARGET_DRIVER iscsi {
	TARGET $T {
		LUN 0 null0
		enabled 1
	}
}
CONF
start_scstd "$TMPD/scst.conf" || { not_ok "scstd starts"; exit 1; }

# A long-lived good session runs beside the attacks.
qemu-io -f raw -c "read 0 4k" -c "sleep 4000" -c "read -P 0 4k 4k" "iscsi://127.0.0.1:$PORT/$T/0" \
	>"$TMPD/good.out" 2>&1 &
GOOD=$!
EXTRA_PIDS=$GOOD

for sc in truncated-bhs truncated-data big-dsl bad-opcode text-no-equals huge-key-value dataout-unknown-tag cmdsn-outside-window; do
	if timeout 20 "$PDU" 127.0.0.1 "$PORT" "$sc" "$T" >"$TMPD/$sc.out" 2>&1; then
		ok "$sc: $(tail -n 1 "$TMPD/$sc.out")"
	else
		not_ok "$sc (status $?)"; sed 's/^/# /' "$TMPD/$sc.out" | tail -n 5
	fi
	scstd_alive || { not_ok "scstd alive after $sc"; exit 1; }
done
ok "scstd alive after every scenario"

for _ in $(seq 1 100); do kill -0 $GOOD 2>/dev/null || break; sleep 0.1; done
if wait $GOOD && grep -q "read 4096/4096 bytes at offset 4096" "$TMPD/good.out"; then
	ok "a good session kept working during the attacks"
else
	not_ok "a good session kept working during the attacks"; sed 's/^/# /' "$TMPD/good.out"
fi
check "a new login works after the attacks" iscsi-inq "iscsi://127.0.0.1:$PORT/$T/0"
stop_scstd && ok "scstd exits cleanly" || not_ok "scstd exits cleanly"
check_sanitizers

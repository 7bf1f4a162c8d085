#!/bin/bash
# The reactor's two ways of waiting, each in its own scstd: --poll-us
# (reactors spin for work before they sleep) and --coalesce-us (a reactor
# waiting only on initiators lingers to gather their commands). The same data
# must come back as with plain waiting: qemu-img copies 32 MiB of random data
# onto a file LUN and back while a second initiator writes and checks its own
# pattern on the same LUN; the mailbox (a LUN added while sessions run) and
# SIGTERM must still reach the reactors. Bad values are refused.
. "$(dirname "$0")/lib.sh"

command -v qemu-img >/dev/null || { skip "qemu-img" "qemu-utils not installed"; exit 0; }
T=iqn.2026-11.org.scst:poll
truncate -s 64M "$TMPD/lun.img"
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $TMPD/lun.img
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
		enabled 1
	}
}
CONF

# run_mode OPTION US: one scstd with OPTION US, the whole check.
run_mode() {
	local opt=$1 us=$2 out rc bad
	truncate -s 0 "$TMPD/lun.img"
	truncate -s 64M "$TMPD/lun.img"
	for bad in abc -5 1000001 ""; do
		out=$("$SCSTD" -f --default "$opt" "$bad" 2>&1 </dev/null); rc=$?
		[ $rc -eq 2 ] && [[ $out == *"$opt"* ]] \
			&& ok "$opt '$bad' refused (exit 2, one line)" || not_ok "$opt '$bad' refused: status $rc: $out"
	done

	start_scstd "$TMPD/scst.conf" "$opt" "$us" --control "$TMPD/ctl.sock" || { not_ok "scstd $opt $us starts"; exit 1; }
	ok "scstd $opt $us starts"
	if grep -q "needs Linux" "$TMPD/scstd.log"; then
		stop_scstd
		skip "$opt: data, mailbox and SIGTERM" "$(grep -m1 "needs Linux" "$TMPD/scstd.log")"
		return 0
	fi
	URL="iscsi://127.0.0.1:$PORT/$T/0"

	side_writer_start "$URL" 0x5a

	head -c 32M /dev/urandom >"$TMPD/src.raw"
	check "qemu-img convert 32 MiB onto the LUN ($opt)" qemu-img convert -n -f raw -O raw "$TMPD/src.raw" "$URL"
	check "qemu-img convert the LUN back ($opt)" qemu-img convert -f raw -O raw "$URL" "$TMPD/back.raw"
	head -c 32M "$TMPD/back.raw" >"$TMPD/back32.raw"
	check "data read back over iSCSI matches ($opt)" cmp "$TMPD/src.raw" "$TMPD/back32.raw"
	check "data in the backing file matches ($opt)" cmp -n 33554432 "$TMPD/src.raw" "$TMPD/lun.img"

	side_writer_check "a second initiator's 64 writes read back with their pattern ($opt)"

	# A management change reaches the reactors through their mailboxes.
	check "add LUN 1 ($opt)" "$BUILD/scstadm" -s "$TMPD/ctl.sock" mgmt "targets/iscsi/$T/luns" "add null0 1"
	out=$(iscsi-ls -s "iscsi://127.0.0.1:$PORT" 2>&1)
	[[ $out == *"Lun:1 "* ]] && ok "the new LUN is served ($opt)" || { not_ok "the new LUN is served ($opt)"; echo "$out" | sed 's/^/# /'; }

	stop_scstd && ok "SIGTERM stops scstd $opt with status 0" || not_ok "SIGTERM stops scstd $opt with status 0"
	check_sanitizers
}

run_mode --poll-us 200
run_mode --coalesce-us 50
out=$("$SCSTD" -f --default --poll-us 10 --coalesce-us 10 2>&1 </dev/null); rc=$?
[ $rc -eq 2 ] && [[ $out == *"exclude each other"* ]] \
	&& ok "--poll-us with --coalesce-us refused (exit 2)" || not_ok "--poll-us with --coalesce-us refused: status $rc: $out"

#!/bin/bash
# scstd --poll-us: reactors that spin for work before they sleep. The same
# data must come back as without spinning: qemu-img copies 32 MiB of random
# data onto a file LUN and back while a second initiator writes and checks its
# own pattern on the same LUN; the mailbox (a LUN added while sessions run)
# and SIGTERM must still reach spinning reactors. Bad values are refused.
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

for bad in abc -5 1000001 ""; do
	out=$("$SCSTD" -f --default --poll-us "$bad" 2>&1 </dev/null); rc=$?
	[ $rc -eq 2 ] && [[ $out == *"--poll-us"* ]] \
		&& ok "--poll-us '$bad' refused (exit 2, one line)" || not_ok "--poll-us '$bad' refused: status $rc: $out"
done

start_scstd "$TMPD/scst.conf" --poll-us 200 --control "$TMPD/ctl.sock" || { not_ok "scstd --poll-us 200 starts"; exit 1; }
ok "scstd --poll-us 200 starts"
URL="iscsi://127.0.0.1:$PORT/$T/0"

# The second initiator: 64 KiB writes with a pattern at 48 MiB, then reads them back.
cmds=()
for i in $(seq 0 63); do cmds+=(-c "write -P 0x5a $((48 * 1048576 + i * 65536)) 64k"); done
qemu-io -f raw "${cmds[@]}" -c "read -P 0x5a 48M 4M" "$URL" >"$TMPD/side.out" 2>&1 &
SIDE=$!
EXTRA_PIDS=$SIDE

head -c 32M /dev/urandom >"$TMPD/src.raw"
check "qemu-img convert 32 MiB onto the LUN" qemu-img convert -n -f raw -O raw "$TMPD/src.raw" "$URL"
check "qemu-img convert the LUN back" qemu-img convert -f raw -O raw "$URL" "$TMPD/back.raw"
head -c 32M "$TMPD/back.raw" >"$TMPD/back32.raw"
check "data read back over iSCSI matches" cmp "$TMPD/src.raw" "$TMPD/back32.raw"
check "data in the backing file matches" cmp -n 33554432 "$TMPD/src.raw" "$TMPD/lun.img"

if wait $SIDE && grep -q "read 4194304/4194304 bytes at offset 50331648" "$TMPD/side.out" &&
	! grep -q -i "fail" "$TMPD/side.out"; then
	ok "a second initiator's 64 writes read back with their pattern"
else
	not_ok "a second initiator's 64 writes read back with their pattern"; tail -n 5 "$TMPD/side.out" | sed 's/^/# /'
fi

# A management change reaches the reactors through their mailboxes.
check "add LUN 1 while spinning" "$BUILD/scstadm" -s "$TMPD/ctl.sock" mgmt "targets/iscsi/$T/luns" "add null0 1"
out=$(iscsi-ls -s "iscsi://127.0.0.1:$PORT" 2>&1)
[[ $out == *"Lun:1 "* ]] && ok "the new LUN is served" || { not_ok "the new LUN is served"; echo "$out" | sed 's/^/# /'; }

stop_scstd && ok "SIGTERM stops a spinning scstd with status 0" || not_ok "SIGTERM stops a spinning scstd with status 0"
check_sanitizers

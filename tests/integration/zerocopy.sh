#!/bin/bash
# scstd --zerocopy: large Data-In batches go out with IORING_OP_SENDMSG_ZC and
# the commands' buffers are held until the kernel's notification. Forced on
# over loopback (where auto leaves it off): qemu-img reads 32 MiB of random
# data back while a second initiator overwrites another region; an initiator
# killed in the middle of large reads leaves buffers waiting for notifications,
# which must still be given back (no leak, no use after free under ASan) and
# must not stop SIGTERM. Bad values are refused.
. "$(dirname "$0")/lib.sh"

command -v qemu-img >/dev/null || { skip "qemu-img" "qemu-utils not installed"; exit 0; }
command -v iscsi-perf >/dev/null || { skip "iscsi-perf" "libiscsi-bin not installed"; exit 0; }
T=iqn.2026-12.org.scst:zc
truncate -s 64M "$TMPD/lun.img"
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $TMPD/lun.img
	}
}
TARGET_DRIVER iscsi {
	TARGET $T {
		LUN 0 disk0
		enabled 1
	}
}
CONF

out=$("$SCSTD" -f --default --zerocopy maybe 2>&1 </dev/null); rc=$?
[ $rc -eq 2 ] && [[ $out == *"--zerocopy"* ]] \
	&& ok "--zerocopy 'maybe' refused (exit 2, one line)" || not_ok "--zerocopy 'maybe' refused: status $rc: $out"

head -c 32M /dev/urandom >"$TMPD/src.raw"
dd if="$TMPD/src.raw" of="$TMPD/lun.img" conv=notrunc status=none
start_scstd "$TMPD/scst.conf" --zerocopy on --debug || { not_ok "scstd --zerocopy on starts"; exit 1; }
ok "scstd --zerocopy on starts"
URL="iscsi://127.0.0.1:$PORT/$T/0"

side_writer_start "$URL" 0x3c

check "qemu-img convert the LUN back" qemu-img convert -f raw -O raw "$URL" "$TMPD/back.raw"
head -c 32M "$TMPD/back.raw" >"$TMPD/back32.raw"
check "32 MiB read back zero-copy match the backing file" cmp "$TMPD/src.raw" "$TMPD/back32.raw"
if grep -q "large Data-In goes zero-copy" "$TMPD/scstd.log"; then
	ok "the connection sends large Data-In zero-copy"
else
	not_ok "the connection sends large Data-In zero-copy"
fi
side_writer_check "a second initiator's 64 writes read back with their pattern"

# Initiators killed while large reads are on the wire, three times.
for i in 1 2 3; do
	# 16 reads of 1 MiB in flight, killed while they are on the wire (-t 5
	# bounds it should the kill miss).
	iscsi-perf -t 5 -m 16 -b 2048 "$URL" >/dev/null 2>&1 &
	KPID=$!
	EXTRA_PIDS="$EXTRA_PIDS $KPID"
	sleep 0.5
	kill -KILL $KPID 2>/dev/null
	wait $KPID 2>/dev/null
done
sleep 1
scstd_alive && ok "scstd outlives initiators killed during zero-copy reads" ||
	not_ok "scstd outlives initiators killed during zero-copy reads"
n=$(grep -c "closed by peer\|receive failed\|send failed" "$TMPD/scstd.log")
[ "$n" -ge 3 ] && ok "the three killed sessions were seen to go ($n closes)" ||
	{ not_ok "the three killed sessions were seen to go ($n closes)"; tail -n 5 "$TMPD/scstd.log" | sed 's/^/# /'; }
check "a read after the kills matches" qemu-io -f raw -c "read -P 0x3c 48M 64k" "$URL"

stop_scstd && ok "SIGTERM stops scstd --zerocopy on with status 0" ||
	not_ok "SIGTERM stops scstd --zerocopy on with status 0"
check_sanitizers

# The default, auto: loopback delivers to a local socket, where the kernel
# copies anyway, so the connection sends by copy.
start_scstd "$TMPD/scst.conf" --debug || { not_ok "scstd (zerocopy auto) starts"; exit 1; }
check "a read with --zerocopy auto" qemu-io -f raw -c "read -P 0x3c 48M 1M" "iscsi://127.0.0.1:$PORT/$T/0"
if grep -q "large Data-In goes zero-copy" "$TMPD/scstd.log"; then
	not_ok "auto leaves a loopback connection sending by copy"
else
	ok "auto leaves a loopback connection sending by copy"
fi
stop_scstd && ok "SIGTERM stops scstd (zerocopy auto) with status 0" ||
	not_ok "SIGTERM stops scstd (zerocopy auto) with status 0"
check_sanitizers

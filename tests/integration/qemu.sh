#!/bin/bash
# Data integrity through an independent initiator: qemu-img (QEMU's libiscsi
# block driver) copies 64 MiB of random data onto a LUN and back; cmp must
# match. Again with CRC32C header digests.
. "$(dirname "$0")/lib.sh"

command -v qemu-img >/dev/null || { skip "qemu-img" "qemu-utils not installed"; exit 0; }
T=iqn.2026-11.org.scst:qemu
T2=iqn.2026-11.org.scst:tight
truncate -s 128M "$TMPD/lun.img"
truncate -s 128M "$TMPD/lun2.img"
# The second target forces R2T for all data, no immediate data, small bursts and
# PDUs and a short command window: the slow paths of the data transfer.
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $TMPD/lun.img
	}
	DEVICE disk1 {
		filename $TMPD/lun2.img
		blocksize 4096
	}
}
TARGET_DRIVER iscsi {
	TARGET $T {
		LUN 0 disk0
		enabled 1
	}
	TARGET $T2 {
		InitialR2T Yes
		ImmediateData No
		MaxRecvDataSegmentLength 4096
		MaxBurstLength 16384
		FirstBurstLength 4096
		MaxOutstandingR2T 1
		QueuedCommands 4
		HeaderDigest None
		LUN 0 disk1
		enabled 1
	}
}
CONF
start_scstd "$TMPD/scst.conf" || { not_ok "scstd starts"; exit 1; }
head -c 64M /dev/urandom >"$TMPD/src.raw"
URL="iscsi://127.0.0.1:$PORT/$T/0"

check "qemu-img convert 64 MiB onto the LUN" qemu-img convert -n -f raw -O raw "$TMPD/src.raw" "$URL"
check "qemu-img convert the LUN back" qemu-img convert -f raw -O raw "$URL" "$TMPD/back.raw"
head -c 64M "$TMPD/back.raw" >"$TMPD/back64.raw"
check "data read back over iSCSI matches" cmp "$TMPD/src.raw" "$TMPD/back64.raw"
check "data in the backing file matches" cmp -n 67108864 "$TMPD/src.raw" "$TMPD/lun.img"

# Header digests (libiscsi negotiates CRC32C when asked; it has no data digest).
head -c 64M /dev/urandom >"$TMPD/src2.raw"
OPTS="driver=iscsi,transport=tcp,portal=127.0.0.1:$PORT,target=$T,lun=0,header-digest=crc32c"
check "qemu-img convert with header digest" qemu-img convert -n -f raw --target-image-opts "$TMPD/src2.raw" "$OPTS"
check "read back with header digest" qemu-img convert --image-opts -O raw "$OPTS" "$TMPD/back2.raw"
head -c 64M "$TMPD/back2.raw" >"$TMPD/back2-64.raw"
check "data matches with header digest" cmp "$TMPD/src2.raw" "$TMPD/back2-64.raw"

URL2="iscsi://127.0.0.1:$PORT/$T2/0"
check "R2T-only target (4 KiB blocks, 16 KiB bursts): convert 64 MiB on" qemu-img convert -n -f raw -O raw "$TMPD/src.raw" "$URL2"
check "R2T-only target: convert back" qemu-img convert -f raw -O raw "$URL2" "$TMPD/back3.raw"
head -c 64M "$TMPD/back3.raw" >"$TMPD/back3-64.raw"
check "R2T-only target: data matches" cmp "$TMPD/src.raw" "$TMPD/back3-64.raw"
# HeaderDigest None: the target answers Reject to a CRC32C-only offer and the
# session runs with the default, no digest (RFC 7143 6.2); the login still works.
OPTS2="driver=iscsi,transport=tcp,portal=127.0.0.1:$PORT,target=$T2,lun=0,header-digest=crc32c"
check "HeaderDigest None target: a CRC32C-only initiator falls back and works" \
	qemu-img info --image-opts "$OPTS2"

out=$(qemu-img info "$URL" 2>&1)
[[ $out == *"virtual size: 128 MiB"* ]] && ok "qemu-img info reports 128 MiB" || { not_ok "qemu-img info reports 128 MiB"; echo "$out" | sed 's/^/# /'; }
stop_scstd
check_sanitizers

#!/bin/bash
# Thin provisioning end to end: data written over iSCSI allocates space in the
# backing file; UNMAP of the range makes GET LBA STATUS report it deallocated,
# gives the space back (du), and the range reads back as zeros (LBPRZ).
. "$(dirname "$0")/lib.sh"

CLIENT=$BUILD/tests/integration/scsi-client
[ -x "$CLIENT" ] || { skip "scsi-client" "libiscsi-dev not installed"; exit 0; }
command -v qemu-io >/dev/null || { skip "qemu-io" "qemu-utils not installed"; exit 0; }
IQN=iqn.2026-11.org.scst:thin
INI=iqn.2026-11.org.test:thin
truncate -s 64M "$TMPD/thin.img"
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE thin0 {
		filename $TMPD/thin.img
		thin_provisioned 1
	}
}
TARGET_DRIVER iscsi {
	TARGET $IQN {
		LUN 0 thin0
		enabled 1
	}
}
CONF
start_scstd "$TMPD/scst.conf" || { not_ok "scstd starts"; exit 1; }
URL="iscsi://127.0.0.1:$PORT/$IQN/0"
kib() { du -k "$TMPD/thin.img" | cut -f1; }

before=$(kib)
check "write 8 MiB of 0x55 at 1 MiB" qemu-io -f raw -c "write -P 0x55 1M 8M" "$URL"
after_write=$(kib)
echo "# allocated: $before KiB before, $after_write KiB after the write"
[ "$after_write" -ge $((before + 8192)) ] && ok "the write allocated 8 MiB" || not_ok "the write allocated 8 MiB"
out=$("$CLIENT" "$URL" "$INI" lba-status 2048 | head -n 1)
[ "$out" = "2048 16384 mapped" ] && ok "GET LBA STATUS: 16384 blocks mapped at 2048" ||
	{ not_ok "GET LBA STATUS: 16384 blocks mapped at 2048"; echo "# $out"; }
check "UNMAP 8 MiB at 1 MiB" "$CLIENT" "$URL" "$INI" unmap 2048 16384
out=$("$CLIENT" "$URL" "$INI" lba-status 2048 | head -n 1)
[[ $out == "2048 "*" deallocated" ]] && ok "GET LBA STATUS: deallocated at 2048 ($out)" ||
	{ not_ok "GET LBA STATUS: deallocated at 2048"; echo "# $out"; }
after_unmap=$(kib)
echo "# allocated after UNMAP: $after_unmap KiB"
[ "$after_unmap" -le $((after_write - 8192)) ] && ok "UNMAP gave the 8 MiB back (du)" ||
	not_ok "UNMAP gave the 8 MiB back (du)"
check "the range reads back as zeros" qemu-io -f raw -c "read -P 0 1M 8M" "$URL"
check "data around it is untouched" qemu-io -f raw -c "read -P 0 0 1M" "$URL"
stop_scstd
check_sanitizers

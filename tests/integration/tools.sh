#!/bin/bash
# The built-in default configuration (what `make run` serves), seen through
# libiscsi's tools: discovery, INQUIRY, READ CAPACITY(16).
. "$(dirname "$0")/lib.sh"

T=iqn.2026-11.org.scst:default
start_scstd --default --default-file "$TMPD/default.img" || { not_ok "scstd --default starts"; exit 1; }
ok "scstd --default starts"

out=$(iscsi-ls -s "iscsi://127.0.0.1:$PORT" 2>&1)
echo "$out" | sed 's/^/# /'
[[ $out == *"Target:$T Portal:127.0.0.1:$PORT,1"* ]] && ok "iscsi-ls lists the default target and portal" || not_ok "iscsi-ls lists the default target and portal"
[[ $out == *"Lun:0    Type:DIRECT_ACCESS (Size:1023M)"* ]] && ok "iscsi-ls shows LUN 0, 1 GiB" || not_ok "iscsi-ls shows LUN 0, 1 GiB"
[[ $out == *"Lun:1    Type:DIRECT_ACCESS (Size:1023M)"* ]] && ok "iscsi-ls shows LUN 1, 1 GiB" || not_ok "iscsi-ls shows LUN 1, 1 GiB"

out=$(iscsi-inq "iscsi://127.0.0.1:$PORT/$T/0" 2>&1)
[[ $out == *"Peripheral Device Type:DIRECT_ACCESS"* && $out == *"Vendor:SCST"* && $out == *"CmdQue:1"* ]] \
	&& ok "iscsi-inq: standard INQUIRY of LUN 0" || { not_ok "iscsi-inq: standard INQUIRY of LUN 0"; echo "$out" | sed 's/^/# /'; }
out=$(iscsi-inq -e 1 -c 0 "iscsi://127.0.0.1:$PORT/$T/0" 2>&1)
for pg in "0x80 UNIT_SERIAL_NUMBER" "0x83 DEVICE_IDENTIFICATION" "0xb0 BLOCK_LIMITS" "0xb1 BLOCK_DEVICE_CHARACTERISTICS" "0xb2 LOGICAL_BLOCK_PROVISIONING"; do
	[[ $out == *"Page:$pg"* ]] && ok "VPD page list has $pg" || not_ok "VPD page list has $pg"
done

for lun in 0 1; do
	out=$(iscsi-readcapacity16 "iscsi://127.0.0.1:$PORT/$T/$lun" 2>&1)
	[[ $out == *"RETURNED LOGICAL BLOCK ADDRESS:2097151"* && $out == *"LOGICAL BLOCK LENGTH IN BYTES:512"* && $out == *"Total size:1073741824"* ]] \
		&& ok "iscsi-readcapacity16 LUN $lun: 2097152 blocks of 512" || { not_ok "iscsi-readcapacity16 LUN $lun"; echo "$out" | sed 's/^/# /'; }
done
[ "$(stat -c %s "$TMPD/default.img")" = 1073741824 ] && ok "default LUN file created sparse, 1 GiB" || not_ok "default LUN file created, 1 GiB"
[ "$(stat -c %b "$TMPD/default.img")" -lt 1024 ] && ok "default LUN file is sparse" || not_ok "default LUN file is sparse"

stop_scstd && ok "SIGTERM stops scstd with status 0" || not_ok "SIGTERM stops scstd with status 0"
check_sanitizers

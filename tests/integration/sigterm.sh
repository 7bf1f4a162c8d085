#!/bin/bash
# SIGTERM while qemu-io writes: every write that got good status must be in
# the backing file after scstd exits (in-flight writes finish, files synced).
. "$(dirname "$0")/lib.sh"

command -v qemu-io >/dev/null || { skip "qemu-io" "qemu-utils not installed"; exit 0; }
T=iqn.2026-11.org.scst:term
truncate -s 600M "$TMPD/lun.img"
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
start_scstd "$TMPD/scst.conf" || { not_ok "scstd starts"; exit 1; }
# 8192 writes of 64 KiB, each with its own pattern byte (1..255 cycling).
cmds=()
for i in $(seq 0 8191); do cmds+=(-c "write -P $((i % 255 + 1)) $((i * 65536)) 64k"); done
# Line-buffered: qemu-io is killed below, and a block-buffered stdout would end
# in the middle of a line ("...at offset 25" for offset 25100288).
stdbuf -oL qemu-io -f raw "${cmds[@]}" "iscsi://127.0.0.1:$PORT/$T/0" >"$TMPD/qio.out" 2>&1 &
QIO=$!
EXTRA_PIDS=$QIO
sleep 0.5
stop_scstd; rc=$?
# libiscsi keeps reconnecting to a target that is gone: give it 5 s, then stop it.
for _ in $(seq 1 50); do kill -0 $QIO 2>/dev/null || break; sleep 0.1; done
kill -KILL $QIO 2>/dev/null
wait $QIO 2>/dev/null
[ $rc -eq 0 ] && ok "scstd exits 0 on SIGTERM under load" || not_ok "scstd exits 0 on SIGTERM under load (status $rc)"
# Only whole lines count: drop a last line that has no newline.
[ -z "$(tail -c 1 "$TMPD/qio.out")" ] || sed -i '$d' "$TMPD/qio.out"
WROTE='^wrote 65536/65536 bytes at offset [0-9]*$'
acked=$(grep -c "$WROTE" "$TMPD/qio.out")
echo "# writes acknowledged before SIGTERM: $acked of 8192"
[ "$acked" -gt 0 ] && ok "some writes completed before SIGTERM" || not_ok "some writes completed before SIGTERM"
bad=0
while read -r off; do
	i=$((off / 65536))
	want=$(printf '%02x' $((i % 255 + 1)))
	got=$(od -An -tx1 -v -j "$off" -N 65536 "$TMPD/lun.img" | tr -s ' \n' '\n\n' | grep -v '^$' | sort -u | tr '\n' ' ')
	[ "$got" = "$want " ] || { bad=$((bad + 1)); [ $bad -le 3 ] && echo "# offset $off: want $want got $got"; }
done < <(grep "$WROTE" "$TMPD/qio.out" | awk '{print $NF}')
[ $bad -eq 0 ] && ok "every acknowledged write is in the file ($acked checked)" || not_ok "every acknowledged write is in the file ($bad of $acked missing)"
check_sanitizers

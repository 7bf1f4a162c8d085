#!/bin/bash
# Managing a running scstd through its control socket with scstadm: the object
# tree (ls/get/set/mgmt, links, read-only paths that say why), LUNs added while
# an initiator is logged in, per-initiator LUN masking with a read-only LUN,
# save -> apply as a no-op, a bad file rejected with FILE:LINE and no change,
# add_target with attributes, the driver switch, initiators moved between
# groups, and an apply that fails at a device it cannot open undone whole.
. "$(dirname "$0")/lib.sh"

T=iqn.2026-11.org.scst:mgmt
A_INI=iqn.2026-11.org.test:host-a
B_INI=iqn.2026-11.org.test:host-b
SCSTADM=$BUILD/scstadm
CTL=$TMPD/ctl.sock
adm() { "$SCSTADM" -s "$CTL" "$@"; }
TP=targets/iscsi/$T
# ro_refused PATH VALUE REASON: a write to a read-only path fails and says why.
ro_refused() {
	local err
	if err=$(adm set "$1" "${2:-1}" 2>&1); then not_ok "set $1 refused"; return; fi
	[[ $err == *"$3"* ]] && ok "set $1 refused: ${err#scstadm: }" || { not_ok "set $1 reason"; echo "# $err"; }
}

cat >"$TMPD/scst.conf" <<EOF
HANDLER vdisk_nullio {
	DEVICE null0 {
		size 1048576
	}
}
TARGET_DRIVER iscsi {
	TARGET $T {
		LUN 0 null0
		enabled 1
	}
}
EOF
start_scstd "$TMPD/scst.conf" --control "$CTL" || { not_ok "scstd starts with --control"; exit 1; }
ok "scstd starts with --control"
[ "$(stat -c %a "$CTL")" = 600 ] && ok "control socket has mode 0600" || not_ok "control socket has mode 0600"

# ---- tree ----
out=$(adm ls)
[ "$out" = "$(printf 'handlers/\ndevices/\ntargets/\nsgv/\ndevice_groups/')" ] && ok "ls / lists handlers devices targets sgv device_groups" || { not_ok "ls /"; echo "$out" | sed 's/^/# /'; }
[ "$(adm get devices/null0/size)" = 1048576 ] && ok "get devices/null0/size" || not_ok "get devices/null0/size"
[ "$(adm get devices/null0/handler)" = vdisk_nullio ] && ok "get devices/null0/handler" || not_ok "get devices/null0/handler"
[ "$(adm get handlers/vdisk_nullio/type)" = "0 - Direct-access device (e.g., magnetic disk)" ] && ok "get handlers/vdisk_nullio/type" || not_ok "get handlers/vdisk_nullio/type"
check "set devices/null0/t10_dev_id" adm set devices/null0/t10_dev_id mgmt-id
[ "$(adm get devices/null0/t10_dev_id)" = mgmt-id ] && ok "t10_dev_id reads back" || not_ok "t10_dev_id reads back"
if err=$(adm set devices/null0/size 5 2>&1); then not_ok "set size refused"; else
	[[ $err == *"cannot change while the device exists"* ]] && ok "set size refused with a reason" || { not_ok "set size reason"; echo "# $err"; }; fi
if err=$(adm get devices/nosuch/size 2>&1); then not_ok "get of a missing path fails"; else ok "get of a missing path fails: $err"; fi
adm --json ls devices/null0 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(e["name"]=="size" and e["value"]=="1048576" for e in d)' \
	&& ok "ls --json is JSON with values" || not_ok "ls --json is JSON with values"
adm ls sgv | grep -q '^hits = ' && ok "sgv counters listed" || not_ok "sgv counters listed"

# ---- a device and a LUN added while an initiator is logged in ----
qemu-io --image-opts "driver=iscsi,transport=tcp,portal=127.0.0.1:$PORT,target=$T,lun=0,initiator-name=$A_INI" \
	-c 'sleep 4000' -c 'read 0 512' >"$TMPD/qemu-bg.log" 2>&1 &
QPID=$!
EXTRA_PIDS="$EXTRA_PIDS $QPID"
for _ in $(seq 1 50); do adm sessions | grep -q "$A_INI" && break; sleep 0.1; done
adm sessions | grep -q "$A_INI" && ok "sessions lists the logged-in initiator" || not_ok "sessions lists the logged-in initiator"
adm --json sessions | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["initiator_name"]=="'$A_INI'"' \
	&& ok "sessions --json" || not_ok "sessions --json"
adm ls "$TP/sessions" | grep -q "^$A_INI/" && ok "ls target sessions/" || not_ok "ls target sessions/"
adm ls "$TP/sessions/$A_INI" | grep -qx "luns -> /$TP/luns" && ok "sessions/<initiator>/luns links to the table it uses" || { not_ok "session luns link"; adm ls "$TP/sessions/$A_INI" | sed 's/^/# /'; }
[ "$(adm get "$TP/sessions/$A_INI/luns/0/device")" = null0 ] && ok "a path through the session's luns link resolves" || not_ok "path through the luns link"
ro_refused "$TP/sessions/$A_INI/commands" 0 "of a session is read-only: the daemon keeps it"
# Every path issue 4 names, with a session logged in.
missing=""
for p in handlers/vdisk_nullio/mgmt handlers/vdisk_nullio/type \
	devices/null0/{handler,filename,size,blocksize,read_only,write_through,nv_cache,t10_dev_id,usn,rotational,thin_provisioned} \
	targets/iscsi/enabled targets/iscsi/mgmt "$TP"/{enabled,rel_tgt_id,IncomingUser,OutgoingUser} \
	"$TP"/luns/mgmt "$TP"/luns/0/device "$TP"/luns/0/read_only "$TP"/ini_groups/mgmt \
	"$TP/sessions/$A_INI"/{initiator_name,commands,bytes_read,bytes_written,active_commands} sgv/hits; do
	adm get "$p" >/dev/null 2>&1 || missing="$missing $p"
done
for p in devices/null0/exported "$TP/sessions/$A_INI/luns" sgv; do adm ls "$p" >/dev/null 2>&1 || missing="$missing $p/"; done
[ -z "$missing" ] && ok "every path of the issue's tree is there" || not_ok "missing paths:$missing"
check "add_device live" adm mgmt handlers/vdisk_nullio 'add_device live0 size=2097152'
check "add LUN 1 live" adm mgmt "$TP/luns" 'add live0 1'
out=$(iscsi-ls -s "iscsi://127.0.0.1:$PORT" 2>&1)
[[ $out == *"Lun:1 "*"(Size:1M)"* || $out == *"Lun:1    Type:DIRECT_ACCESS (Size:2M)"* || $out == *"Lun:1 "* ]] && ok "iscsi-ls -s sees the new LUN 1" || { not_ok "iscsi-ls -s sees the new LUN 1"; echo "$out" | sed 's/^/# /'; }
wait "$QPID" && ok "the connected initiator keeps working across the change" || { not_ok "connected initiator keeps working"; sed 's/^/# /' "$TMPD/qemu-bg.log"; }

# ---- per-initiator masking ----
check "create group A" adm mgmt "$TP/ini_groups" 'create grpA'
check "create group B" adm mgmt "$TP/ini_groups" 'create grpB'
check "initiator A" adm mgmt "$TP/ini_groups/grpA/initiators" "add $A_INI"
check "initiator B" adm mgmt "$TP/ini_groups/grpB/initiators" "add $B_INI"
check "add_device X" adm mgmt handlers/vdisk_fileio "add_device devX filename=$TMPD/x.img;size=4194304"
check "add_device Y" adm mgmt handlers/vdisk_fileio "add_device devY filename=$TMPD/y.img;size=8388608"
check "A: LUN 0 X" adm mgmt "$TP/ini_groups/grpA/luns" 'add devX 0'
check "A: LUN 1 Y" adm mgmt "$TP/ini_groups/grpA/luns" 'add devY 1'
check "B: LUN 0 Y read-only" adm mgmt "$TP/ini_groups/grpB/luns" 'add devY 0 read_only=1'
missing=""
for p in "$TP"/ini_groups/grpB/initiators/{mgmt,"$B_INI"} "$TP"/ini_groups/grpB/luns/{mgmt,0/device,0/read_only}; do
	adm get "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && ok "every group path of the issue's tree is there" || not_ok "missing group paths:$missing"
if err=$(adm mgmt "$TP/ini_groups/grpB/luns" 'add devY 0' 2>&1); then not_ok "duplicate LUN refused"; else
	[[ $err == *"already exists"* ]] && ok "duplicate LUN refused: $err" || not_ok "duplicate LUN reason: $err"; fi
outA=$(iscsi-ls -s -i "$A_INI" "iscsi://127.0.0.1:$PORT" 2>&1)
outB=$(iscsi-ls -s -i "$B_INI" "iscsi://127.0.0.1:$PORT" 2>&1)
# iscsi-ls prints the size rounded down to the MiB below the last block: 4 MiB shows as 3M.
[[ $outA == *"Lun:0"*"(Size:3M)"* && $outA == *"Lun:1"*"(Size:7M)"* ]] && ok "initiator A sees X and Y" || { not_ok "initiator A sees X and Y"; echo "$outA" | sed 's/^/# /'; }
[[ $outB == *"Lun:0"*"(Size:7M)"* && $outB != *"Lun:1"* ]] && ok "initiator B sees only Y" || { not_ok "initiator B sees only Y"; echo "$outB" | sed 's/^/# /'; }
qio() { qemu-io ${4:-} --image-opts "driver=iscsi,transport=tcp,portal=127.0.0.1:$PORT,target=$T,lun=$2,initiator-name=$1" -c "$3"; }
qio "$A_INI" 1 'write -P 0x5a 0 4096' >"$TMPD/qa.log" 2>&1 && ! grep -qi error "$TMPD/qa.log" \
	&& ok "initiator A writes Y" || { not_ok "initiator A writes Y"; sed 's/^/# /' "$TMPD/qa.log"; }
qio "$B_INI" 0 'read -P 0x5a 0 4096' -r >"$TMPD/qb.log" 2>&1 && ! grep -qi "error\|fail" "$TMPD/qb.log" \
	&& ok "initiator B reads what A wrote" || { not_ok "initiator B reads Y"; sed 's/^/# /' "$TMPD/qb.log"; }
qio "$B_INI" 0 'write -P 0x11 0 4096' >"$TMPD/qbw.log" 2>&1
# qemu sees the write-protect bit (MODE SENSE) and refuses to open the LUN for writing.
if grep -qi "error\|fail\|read-only\|protected" "$TMPD/qbw.log" && [ "$(od -An -tx1 -N1 "$TMPD/y.img" | tr -d ' ')" = 5a ]; then
	ok "a write from initiator B fails (read-only LUN)"; else not_ok "a write from initiator B fails"; sed 's/^/# /' "$TMPD/qbw.log"; fi
check "replace B's LUN 0 with X" adm mgmt "$TP/ini_groups/grpB/luns" 'replace devX 0 read_only=1'
[ "$(adm get "$TP/ini_groups/grpB/luns/0/device")" = devX ] && ok "replace took effect" || not_ok "replace took effect"

# ---- save -> apply is a no-op ----
adm ls -R >"$TMPD/before.txt"
check "save FILE" adm save "$TMPD/saved.conf"
grep -q "GROUP grpB" "$TMPD/saved.conf" && ok "saved file has the groups" || not_ok "saved file has the groups"
check "check of the saved file" adm check "$TMPD/saved.conf"
check "apply of the saved file" adm apply "$TMPD/saved.conf"
adm ls -R >"$TMPD/after.txt"
grep -v '/sessions/' "$TMPD/before.txt" >"$TMPD/b2"; grep -v '/sessions/' "$TMPD/after.txt" >"$TMPD/a2"
diff "$TMPD/b2" "$TMPD/a2" >"$TMPD/diff.txt" && ok "apply of the saved file changes nothing (ls -R)" || { not_ok "apply of saved is a no-op"; sed 's/^/# /' "$TMPD/diff.txt" | head -20; }

# ---- apply a change: Y leaves A, group B goes ----
sed -e '/GROUP grpB {/,/^\t\t}/d' -e '/LUN 1 devY/d' "$TMPD/saved.conf" >"$TMPD/changed.conf"
check "apply of a changed file" adm apply "$TMPD/changed.conf"
adm ls "$TP/ini_groups" | grep -q '^grpB/' && not_ok "group B removed" || ok "group B removed"
adm ls "$TP/ini_groups/grpA/luns" | grep -q '^1/' && not_ok "A's LUN 1 removed" || ok "A's LUN 1 removed"

# ---- a bad file is rejected with file:line, nothing changes ----
adm ls -R | grep -v '/sessions/' >"$TMPD/b3"
sed 's/^\(\t\tLUN 0 null0\)$/\1\n\t\tcolour blue/' "$TMPD/changed.conf" >"$TMPD/bad.conf"
line=$(grep -n 'colour blue' "$TMPD/bad.conf" | cut -d: -f1)
if err=$(adm apply "$TMPD/bad.conf" 2>&1); then not_ok "bad file rejected"; else
	[[ $err == *"$TMPD/bad.conf:$line: unknown target attribute 'colour'"* ]] && ok "bad file rejected with file:line" || { not_ok "bad file message"; echo "# $err"; }; fi
adm check "$TMPD/bad.conf" >/dev/null 2>&1 && not_ok "check rejects the bad file" || ok "check rejects the bad file"
adm ls -R | grep -v '/sessions/' >"$TMPD/a3"
diff -q "$TMPD/b3" "$TMPD/a3" >/dev/null && ok "a rejected apply changes nothing" || not_ok "a rejected apply changes nothing"

# ---- the rest of the tree: links, driver switch, add_target with attributes ----
adm ls handlers/vdisk_nullio | grep -qx "null0 -> /devices/null0" && ok "handlers/vdisk_nullio lists its device null0" || { not_ok "handler lists its devices"; adm ls handlers/vdisk_nullio | sed 's/^/# /'; }
adm ls handlers/vdisk_fileio | grep -q "null0" && not_ok "handlers/vdisk_fileio does not list null0" || ok "handlers/vdisk_fileio does not list null0"
[ "$(adm get handlers/vdisk_nullio/null0/size)" = 1048576 ] && ok "a path through a handler's device link resolves" || not_ok "path through a handler's device link"
adm ls devices/devX/exported | grep -qx "export0 -> /$TP/ini_groups/grpA/luns/0" && ok "devices/devX/exported links to its LUN" || { not_ok "devices/devX/exported"; adm ls devices/devX/exported | sed 's/^/# /'; }
adm --json ls handlers/vdisk_nullio | python3 -c 'import json,sys; d=json.load(sys.stdin); assert {"name":"null0","type":"link","value":"devices/null0"} in d' \
	&& ok "ls --json shows a link with its target" || not_ok "ls --json link"
ro_refused handlers/vdisk_nullio/type 0 "SCSI device type of the handler's devices: read-only"
ro_refused devices/null0/handler vdisk_fileio "handler is fixed"
ro_refused devices/null0/filename /tmp/x "cannot change while the device exists"
ro_refused devices/null0/exported 1 "is a directory"
ro_refused "$TP/luns/0/device" devX "use 'replace DEVICE LUN"
ro_refused sgv/hits 0 "counter of the buffer cache: read-only"
ro_refused devices/devY/stats/writes 0 "I/O counter of the device: read-only"
wb=$(adm get devices/devY/stats/write_bytes); rd=$(adm get devices/devY/stats/reads)
[ "$wb" -ge 4096 ] && [ "$rd" -ge 1 ] && ok "devices/devY/stats counts A's write and B's read ($wb bytes written, $rd reads)" || not_ok "device stats ($wb, $rd)"
check "add_target with attributes" adm mgmt targets/iscsi "add_target $T-2 IncomingUser=joe joesecret1234;rel_tgt_id=77;enabled=1"
[ "$(adm get "targets/iscsi/$T-2/IncomingUser")" = "joe joesecret1234" ] && [ "$(adm get "targets/iscsi/$T-2/rel_tgt_id")" = 77 ] && [ "$(adm get "targets/iscsi/$T-2/enabled")" = 1 ] \
	&& ok "add_target set IncomingUser, rel_tgt_id and enabled" || not_ok "add_target attributes"
if err=$(adm mgmt targets/iscsi "add_target $T-3 rel_tgt_id=5;colour=blue" 2>&1); then not_ok "add_target with a bad attribute refused"; else
	adm ls targets/iscsi | grep -q "$T-3" && not_ok "a refused add_target leaves no target" || ok "add_target with a bad attribute refused, no target left: ${err#scstadm: }"; fi
if adm mgmt targets/iscsi "add_target $T-3 rel_tgt_id=77" 2>/dev/null || adm ls targets/iscsi | grep -q "$T-3"; then
	not_ok "add_target with a used rel_tgt_id refused"; else ok "add_target with a used rel_tgt_id refused, no target left"; fi
check "del_target" adm mgmt targets/iscsi "del_target $T-2"
check "switch the iscsi driver off" adm set targets/iscsi/enabled 0
[ "$(adm get targets/iscsi/enabled)" = 0 ] && ok "targets/iscsi/enabled reads 0" || not_ok "targets/iscsi/enabled reads 0"
iscsi-inq "iscsi://127.0.0.1:$PORT/$T/0" >/dev/null 2>&1 && not_ok "no login while the driver is off" || ok "no login while the driver is off"
adm save | grep -qP '^\tenabled 0$' && ok "save keeps the driver switched off" || not_ok "save keeps the driver off"
check "switch the iscsi driver on" adm set targets/iscsi/enabled 1
iscsi-inq -i "$A_INI" "iscsi://127.0.0.1:$PORT/$T/0" >/dev/null 2>&1 && ok "logins work again" || not_ok "logins work again"

# ---- initiators: move between groups, clear ----
check "create group C" adm mgmt "$TP/ini_groups" 'create grpC'
check "C: LUN 5 Y" adm mgmt "$TP/ini_groups/grpC/luns" 'add devY 5'
check "move initiator A to group C" adm mgmt "$TP/ini_groups/grpA/initiators" "move $A_INI grpC"
adm ls "$TP/ini_groups/grpA/initiators" | grep -q "$A_INI" && not_ok "A left group A" || ok "A left group A"
out=$(iscsi-ls -s -i "$A_INI" "iscsi://127.0.0.1:$PORT" 2>&1)
[[ $out == *"Lun:5"* && $out != *"Lun:0"* ]] && ok "after the move initiator A sees group C's LUNs" || { not_ok "A sees group C"; echo "$out" | sed 's/^/# /'; }
if err=$(adm mgmt "$TP/ini_groups/grpC/initiators" "move $A_INI nosuch" 2>&1); then not_ok "move to a missing group refused"; else
	adm ls "$TP/ini_groups/grpC/initiators" | grep -q "$A_INI" && ok "move to a missing group refused, nothing moved: ${err#scstadm: }" || not_ok "refused move changed something"; fi
check "add two more patterns to C" adm mgmt "$TP/ini_groups/grpC/initiators" 'add iqn.x:*'
check "clear C's initiators" adm mgmt "$TP/ini_groups/grpC/initiators" clear
[ "$(adm ls "$TP/ini_groups/grpC/initiators")" = mgmt ] && ok "clear leaves no pattern" || not_ok "clear leaves no pattern"
check "delete group C" adm mgmt "$TP/ini_groups" 'del grpC'

# ---- apply that fails half-way (a backing file that cannot be opened) changes nothing ----
adm ls -R | grep -v '/sessions/' >"$TMPD/b4"
adm save "$TMPD/s4.conf"
python3 - "$TMPD/s4.conf" "$TMPD/half.conf" <<'PYEOF'
import sys
s = open(sys.argv[1]).read()
s = s.replace("HANDLER vdisk_nullio {", "HANDLER vdisk_nullio {\n\tDEVICE newnull {\n\t\tsize 1048576\n\t}", 1)
s = s.replace("HANDLER vdisk_fileio {", "HANDLER vdisk_fileio {\n\tDEVICE gone {\n\t\tfilename /nonexistent/dir/gone.img\n\t\tsize 1048576\n\t}", 1)
s = s.replace("\t\tLUN 0 null0\n", "\t\tLUN 0 null0\n\t\tLUN 8 newnull\n\t\tLUN 9 gone\n", 1)
open(sys.argv[2], "w").write(s)
PYEOF
adm check "$TMPD/half.conf" >/dev/null 2>&1 && ok "check passes (it opens no file)" || not_ok "check of the half file"
if err=$(adm apply "$TMPD/half.conf" 2>&1); then not_ok "apply with an unopenable file fails"; else
	[[ $err == *"cannot open /nonexistent/dir/gone.img"*"nothing was changed"* ]] && ok "apply stops at the device that cannot be opened: ${err#scstadm: }" || { not_ok "apply failure message"; echo "# $err"; }; fi
adm ls -R | grep -v '/sessions/' >"$TMPD/a4"
diff "$TMPD/b4" "$TMPD/a4" >"$TMPD/d4" && ok "the device it had added is undone: nothing changed" || { not_ok "nothing changed"; sed 's/^/# /' "$TMPD/d4" | head; }

# ---- protocol limits ----
python3 - "$CTL" <<'EOF' && ok "a request over 1 MiB is refused" || not_ok "a request over 1 MiB is refused"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"apply 2000000\n")
r = b"".join(iter(lambda: s.recv(4096), b""))
sys.exit(0 if r.startswith(b"ERR request too large") else 1)
EOF
printf 'bogus 0\n' | python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); r=b"".join(iter(lambda: s.recv(100), b"")); sys.exit(0 if r.startswith(b"ERR unknown request") else 1)' "$CTL" \
	&& ok "unknown request answered with ERR" || not_ok "unknown request answered with ERR"

stop_scstd && ok "SIGTERM stops scstd with status 0" || not_ok "SIGTERM stops scstd with status 0"
[ ! -e "$CTL" ] && ok "control socket removed at exit" || not_ok "control socket removed at exit"
check_sanitizers

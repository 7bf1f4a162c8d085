#!/bin/bash
# ALUA over iSCSI (SPC-4 5.15): a device group with two target groups, one
# target each, so one disk is reachable on two paths in different states.
# REPORT TARGET PORT GROUPS, TPGS in INQUIRY, the target port group designator,
# the commands each state takes, SET TARGET PORT GROUPS, the unit attention of
# a change, the management tree, and DEVICE_GROUP in scst.conf (save, apply,
# errors with file:line).
. "$(dirname "$0")/lib.sh"

CLIENT=$BUILD/tests/integration/cdb-client
[ -x "$CLIENT" ] || { skip "cdb-client" "libiscsi-dev not installed"; exit 0; }
SCSTADM=$BUILD/scstadm
CTL=$TMPD/ctl.sock
adm() { "$SCSTADM" -s "$CTL" "$@"; }
T1=iqn.2026-12.org.scst:alua1
T2=iqn.2026-12.org.scst:alua2
INI=iqn.2026-12.org.test:alua
truncate -s 16M "$TMPD/a.img"
truncate -s 16M "$TMPD/b.img"
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $TMPD/a.img
	}
	DEVICE plain {
		filename $TMPD/b.img
	}
}
TARGET_DRIVER iscsi {
	TARGET $T1 {
		rel_tgt_id 1
		LUN 0 disk0
		LUN 1 plain
		enabled 1
	}
	TARGET $T2 {
		rel_tgt_id 2
		LUN 0 disk0
		enabled 1
	}
}
DEVICE_GROUP dg1 {
	DEVICE disk0
	TARGET_GROUP local {
		group_id 1
		state active
		preferred 1
		TARGET $T1
	}
	TARGET_GROUP peer {
		group_id 2
		state standby
		TARGET $T2
		TARGET iqn.2026-12.org.scst:other-node {
			rel_tgt_id 9
		}
	}
}
CONF
start_scstd "$TMPD/scst.conf" --control "$CTL" || { not_ok "scstd starts with DEVICE_GROUP"; exit 1; }
ok "scstd starts with a DEVICE_GROUP in its configuration"
U1="iscsi://127.0.0.1:$PORT/$T1/0"
U2="iscsi://127.0.0.1:$PORT/$T2/0"
UP="iscsi://127.0.0.1:$PORT/$T1/1"

TUR=000000000000
RTPG=a30a00000000000004000000:in=1024
RTPG_EXT=a32a00000000000004000000:in=1024
READ=280000000000000001000000:in=512
WRITE=2a0000000000000001000000:out=$(printf '5a%.0s' $(seq 512))
INQ=120000006000:in=96
VPD83=120183010000:in=256
stpg() { echo "a40a000000000000$(printf %04x $((4 + 4 * $#)))0000:out=00000000$(printf '%s' "$@")"; }

# cdb DESC EXPECT URL SPEC...: the last line of the client's output starts with EXPECT.
cdb() {
	local d=$1 want=$2 url=$3; shift 3
	local out
	out=$("$CLIENT" "$url" "$INI" "$@" 2>&1 | tail -n 1)
	[[ $out == "$want"* ]] && ok "$d" || { not_ok "$d"; echo "# want '$want', got '$out'"; }
}

# The first command of a new nexus reports the power-on unit attention; INQUIRY passes it.
DESC1="80cf000100000001""0000000102cf00020000000200000002""00000009" # status codes 0
cdb "RTPG on path 1: group 1 active/optimized preferred (port 1), group 2 standby (ports 2, 9)" \
	"status 0x00 data 0000001c$DESC1" "$U1" $TUR "$RTPG"
cdb "RTPG with the extended header (format 001b)" \
	"status 0x00 data 0000002010000000$DESC1" "$U1" $TUR "$RTPG_EXT"
out=$("$CLIENT" "$U1" "$INI" "$INQ")
[[ ${out:27:2} == 38 ]] && ok "INQUIRY byte 5 on an ALUA path: TPGS 11b (and 3PC)" ||
	{ not_ok "INQUIRY TPGS"; echo "# $out"; }
out=$("$CLIENT" "$U2" "$INI" "$VPD83")
[[ $out == *0115000400000002 ]] &&
	ok "VPD 0x83 on path 2 names target port group 2" || { not_ok "VPD 0x83 TPG designator"; echo "# $out"; }
out=$("$CLIENT" "$UP" "$INI" "$INQ")
[[ ${out:27:2} == 08 ]] && ok "a device in no device group: TPGS 0" || { not_ok "no-ALUA TPGS"; echo "# $out"; }
cdb "a device in no device group: RTPG is INVALID COMMAND OPERATION CODE" \
	"status 0x02 sense 5/20/00" "$UP" $TUR "$RTPG"

cdb "standby path: READ is NOT READY, TARGET PORT IN STANDBY STATE" "status 0x02 sense 2/04/0b" \
	"$U2" $TUR $READ
cdb "standby path: WRITE is refused the same way" "status 0x02 sense 2/04/0b" "$U2" $TUR "$WRITE"
cdb "standby path: TEST UNIT READY is NOT READY" "status 0x02 sense 2/04/0b" "$U2" $TUR $TUR
cdb "standby path: INQUIRY, REPORT LUNS, RTPG and MODE SENSE work" "status 0x00" "$U2" $TUR \
	"$INQ" a00000000000000001000000:in=256 "$RTPG" 1a003f00ff00:in=255
cdb "active path: WRITE and READ work" "status 0x00" "$U1" $TUR "$WRITE" $READ

for s in unavailable:2/04/0c offline:2/04/12 transitioning:2/04/0a; do
	adm set device_groups/dg1/target_groups/peer/state "${s%%:*}"
	cdb "${s%%:*} path: READ is NOT READY ${s#*:}" "status 0x02 sense ${s#*:}" "$U2" $TUR $READ
	cdb "${s%%:*} path: RTPG still works" "status 0x00" "$U2" $TUR "$RTPG"
done
cdb "transitioning path: SET TARGET PORT GROUPS is refused" "status 0x02 sense 2/04/0a" "$U2" $TUR \
	"$(stpg 00000002)"
adm set device_groups/dg1/target_groups/peer/state offline
cdb "offline path: SET TARGET PORT GROUPS is refused" "status 0x02 sense 2/04/12" "$U2" $TUR \
	"$(stpg 00000002)"
adm set device_groups/dg1/target_groups/peer/state unavailable
cdb "STPG may not ask for offline: INVALID FIELD IN PARAMETER LIST" "status 0x02 sense 5/26/00" \
	"$U2" $TUR "$(stpg 0e000002)"
cdb "STPG naming an unknown group: INVALID FIELD IN PARAMETER LIST" "status 0x02 sense 5/26/00" \
	"$U2" $TUR "$(stpg 00000007)"
[ "$(adm get device_groups/dg1/target_groups/peer/state)" = unavailable ] &&
	ok "refused STPGs changed nothing" || not_ok "refused STPGs changed nothing"

# A live session on path 1 sees the change a SET TARGET PORT GROUPS on path 2 makes.
rm -f "$TMPD/go"
"$CLIENT" "$U1" "$INI" $TUR $TUR "wait:$TMPD/go" $TUR $READ >"$TMPD/live.out" 2>&1 &
LIVE=$!
EXTRA_PIDS="$LIVE"
sleep 0.5
out=$("$CLIENT" "$U2" "$INI" $TUR "$(stpg 00000002 01000001)" $READ "$RTPG")
touch "$TMPD/go"
wait "$LIVE"
mapfile -t live <"$TMPD/live.out"
mapfile -t mine <<<"$out"
[[ ${mine[1]} == "status 0x00" && ${mine[2]} == "status 0x00 data"* ]] &&
	ok "STPG from the unavailable path makes it active/optimized; its READ works" ||
	{ not_ok "STPG to active"; printf '# %s\n' "${mine[@]}"; }
[[ ${mine[3]} == "status 0x00 data 0000001c81cf00010001000100000001""00cf000200010002"* ]] &&
	ok "RTPG after STPG: group 1 active/non-optimized, group 2 active/optimized, status code 1" ||
	{ not_ok "RTPG after STPG"; echo "# ${mine[3]}"; }
[[ ${live[2]} == "status 0x02 sense 6/2a/06"* && ${live[3]} == "status 0x00"* ]] &&
	ok "the other nexus gets ASYMMETRIC ACCESS STATE CHANGED once, then reads" ||
	{ not_ok "UA on the other nexus"; printf '# %s\n' "${live[@]}"; }

# Management: the tree and its mgmt files.
out=$(adm ls -R device_groups)
[[ $out == *"dg1/devices/disk0 -> /devices/disk0"* && $out == *"peer/iqn.2026-12.org.scst:other-node/rel_tgt_id = 9"* ]] &&
	ok "ls device_groups: devices as links, target ports with rel_tgt_id" || { not_ok "ls device_groups"; echo "$out" | sed 's/^/# /'; }
check "create a device group" adm mgmt device_groups "create dg2"
check "add a target group to it" adm mgmt device_groups/dg2/target_groups "add tgA"
check "set its group_id" adm set device_groups/dg2/target_groups/tgA/group_id 5
check "put target 1 in it" adm mgmt device_groups/dg2/target_groups/tgA "add $T1"
check "put device plain in the group" adm mgmt device_groups/dg2/devices "add plain"
cdb "device plain on target 1 now answers RTPG with group 5" \
	"status 0x00 data 0000000c00cf00050000000100000001" "$UP" $TUR "$RTPG"
err=$(adm mgmt device_groups/dg2/devices "add disk0" 2>&1) && not_ok "a device in two groups" ||
	ok "a device in two device groups is refused: ${err#scstadm: }"
err=$(adm set device_groups/dg2/target_groups/tgA/state sleepy 2>&1) && not_ok "bad state accepted" ||
	ok "an unknown state is refused: ${err#scstadm: }"
err=$(adm mgmt device_groups/dg2/target_groups "add tgB" && adm set device_groups/dg2/target_groups/tgB/group_id 5 2>&1) &&
	not_ok "duplicate group_id" || ok "a group_id taken in the device group is refused: ${err#scstadm: }"
check "del target group tgB" adm mgmt device_groups/dg2/target_groups "del tgB"

# scst.conf: save, apply of the saved file changes nothing, DEVICE_GROUP errors have file:line.
adm save "$TMPD/saved.conf"
grep -q "DEVICE_GROUP dg2" "$TMPD/saved.conf" && grep -q "TARGET_GROUP tgA" "$TMPD/saved.conf" &&
	ok "save writes the device groups" || not_ok "save writes the device groups"
adm ls -R / | grep -v "sessions/\|stats/\|sgv/" >"$TMPD/tree.before"
check "apply of the saved file" adm apply "$TMPD/saved.conf"
adm ls -R / | grep -v "sessions/\|stats/\|sgv/" >"$TMPD/tree.after"
check "apply of the saved file changes nothing in the tree" diff "$TMPD/tree.before" "$TMPD/tree.after"
cdb "and gives no unit attention to a nexus that has reported its last one" "status 0x00" "$U1" $TUR $TUR
# The file's states win: peer back to standby, dg2 gone.
cp "$TMPD/scst.conf" "$TMPD/back.conf"
check "apply of the original file" adm apply "$TMPD/back.conf"
[ "$(adm get device_groups/dg1/target_groups/peer/state)" = standby ] &&
	! adm ls device_groups | grep -q dg2 && ok "apply restored the file's states and removed dg2" ||
	not_ok "apply restored the file's states and removed dg2"
cdb "path 2 is standby again" "status 0x02 sense 2/04/0b" "$U2" $TUR $TUR $READ

bad() {
	local d=$1 line=$2 want=$3
	awk -v l="$line" -v w="$want" 'NR == l { print w } NR != l { print }' "$TMPD/scst.conf" >"$TMPD/bad.conf"
	err=$(adm apply "$TMPD/bad.conf" 2>&1) && { not_ok "$d"; return; }
	[[ $err == *"bad.conf:$line:"* ]] && ok "$d: ${err#scstadm: }" || { not_ok "$d"; echo "# $err"; }
}
L=$(grep -n "state standby" "$TMPD/scst.conf" | cut -d: -f1)
bad "apply refuses an unknown ALUA state with file:line" "$L" "		state asleep"
bad "apply refuses an unknown TARGET_GROUP attribute with file:line" "$L" "		colour blue"
L=$(grep -n "	DEVICE disk0$" "$TMPD/scst.conf" | tail -n 1 | cut -d: -f1)
bad "apply refuses a DEVICE_GROUP device that is not defined" "$L" "	DEVICE nosuch"
L=$(grep -n "group_id 2" "$TMPD/scst.conf" | cut -d: -f1)
bad "apply refuses a duplicate group_id" "$L" "		group_id 1"
adm ls -R / | grep -v "sessions/\|stats/\|sgv/" >"$TMPD/tree.after2"
adm apply "$TMPD/back.conf" >/dev/null 2>&1
adm ls -R / | grep -v "sessions/\|stats/\|sgv/" >"$TMPD/tree.after3"
check "refused files changed nothing" diff "$TMPD/tree.after2" "$TMPD/tree.after3"

# A device deleted leaves its device group.
check "dg2 again with plain" adm mgmt device_groups "create dg2"
adm mgmt device_groups/dg2/devices "add plain"
adm mgmt targets/iscsi/$T1/luns "del 1"
check "del_device of a grouped device" adm mgmt handlers/vdisk_fileio "del_device plain"
adm ls device_groups/dg2/devices | grep -q plain && not_ok "deleted device left its group" ||
	ok "a deleted device leaves its device group"

scstd_alive && ok "scstd alive" || not_ok "scstd alive"
check_sanitizers

#!/bin/bash
# LUNs added, removed and replaced with scstadm while a session does I/O on
# LUN 0 (live-io, a libiscsi program): the session gets REPORTED LUNS DATA HAS
# CHANGED, sees each new LUN in REPORT LUNS, a removed LUN answers LOGICAL UNIT
# NOT SUPPORTED, a replaced LUN 0 gives INQUIRY DATA HAS CHANGED and never a
# moment without the LUN, initiator patterns added and moved re-bind the live
# session to its new group at once, and the I/O on LUN 0 never fails.
# Bounded: live-io stops after 60 s whatever happens, each wait after 10 s.
. "$(dirname "$0")/lib.sh"

T=iqn.2026-11.org.scst:live
INI=iqn.2026-11.org.test:live-host
SCSTADM=$BUILD/scstadm
LIVEIO=$BUILD/tests/integration/live-io
CTL=$TMPD/ctl.sock
OUT=$TMPD/live-io.out
adm() { "$SCSTADM" -s "$CTL" "$@"; }
TP=targets/iscsi/$T
N=6

if [ ! -x "$LIVEIO" ]; then skip "live-io not built (libiscsi-dev missing)"; exit 0; fi

cat >"$TMPD/scst.conf" <<EOF
HANDLER vdisk_nullio {
	DEVICE d0 {
		size 67108864
	}
}
TARGET_DRIVER iscsi {
	TARGET $T {
		LUN 0 d0
		enabled 1
	}
}
EOF
start_scstd "$TMPD/scst.conf" --control "$CTL" || { not_ok "scstd starts"; exit 1; }
ok "scstd starts"

# wait_for ERE: until a line of live-io's output matches (10 s at most).
wait_for() {
	for _ in $(seq 1 100); do
		grep -Eq "$1" "$OUT" && return 0
		kill -0 "$LPID" 2>/dev/null || break
		sleep 0.1
	done
	grep -Eq "$1" "$OUT"
}
count() { grep -Ec "$1" "$OUT"; }
# wait_last LINE: until the session's latest REPORT LUNS line is LINE (10 s at most).
wait_last() {
	for _ in $(seq 1 100); do
		[ "$(grep '^luns' "$OUT" | tail -n 1)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

"$LIVEIO" -u "iscsi://127.0.0.1:$PORT/$T/0" -i "$INI" -t 60 -s "$TMPD/stop" >"$OUT" 2>&1 &
LPID=$!
EXTRA_PIDS="$EXTRA_PIDS $LPID"
wait_for '^luns 0$' && ok "live-io logged in and sees LUN 0" || { not_ok "live-io logged in"; sed 's/^/# /' "$OUT"; exit 1; }

# ---- LUNs 1..N added one by one while I/O runs ----
added=0
for i in $(seq 1 $N); do
	adm mgmt handlers/vdisk_nullio "add_device n$i size=1048576" &&
		adm mgmt "$TP/luns" "add n$i $i" &&
		wait_for "^luns( [0-9]+)* $i( |$)" && added=$((added + 1))
done
[ "$added" = $N ] && ok "each of $N new LUNs shows in the session's REPORT LUNS" || { not_ok "new LUNs seen ($added of $N)"; sed 's/^/# /' "$OUT" | tail -20; }
[ "$(count '^ua 0 06/3F/0E$')" -ge 1 ] && ok "LUN 0 got REPORTED LUNS DATA HAS CHANGED ($(count '^ua 0 06/3F/0E$') times)" || not_ok "REPORTED LUNS DATA HAS CHANGED on LUN 0"
wait_for "^luns 0 1 2 3 4 5 6$" && ok "REPORT LUNS lists 0..$N" || not_ok "REPORT LUNS lists 0..$N"

# ---- LUNs removed: they leave the list and answer LOGICAL UNIT NOT SUPPORTED ----
check "del LUN 2" adm mgmt "$TP/luns" 'del 2'
wait_for '^gone 2 05/25/00$' && ok "removed LUN 2 answers LOGICAL UNIT NOT SUPPORTED (05/25/00)" || { not_ok "removed LUN 2 answers 05/25/00"; sed 's/^/# /' "$OUT" | tail -10; }
wait_for '^luns 0 1 3 4 5 6$' && ok "REPORT LUNS no longer lists LUN 2" || not_ok "REPORT LUNS without LUN 2"
check "del LUN 5" adm mgmt "$TP/luns" 'del 5'
wait_for '^gone 5 05/25/00$' && ok "removed LUN 5 answers LOGICAL UNIT NOT SUPPORTED" || not_ok "removed LUN 5 answers 05/25/00"
check "the device of a removed LUN can be deleted" adm mgmt handlers/vdisk_nullio 'del_device n2'
if err=$(adm mgmt handlers/vdisk_nullio 'del_device n1' 2>&1); then not_ok "a device with a LUN cannot be deleted"; else
	[[ $err == *"in use"* ]] && ok "a device with a LUN cannot be deleted: $err" || not_ok "del_device reason: $err"; fi

# ---- replace LUN 0 under the running I/O: one table, no gap ----
rel_before=$(count '^ua 0 06/3F/0E$')
check "add_device r0" adm mgmt handlers/vdisk_nullio 'add_device r0 size=67108864'
check "replace r0 0 (LUN 0, which carries the I/O)" adm mgmt "$TP/luns" 'replace r0 0'
wait_for '^ua 0 06/3F/03$' && ok "LUN 0 got INQUIRY DATA HAS CHANGED (3F/03)" || { not_ok "INQUIRY DATA HAS CHANGED on LUN 0"; sed 's/^/# /' "$OUT" | tail -10; }
[ "$(adm get "$TP/luns/0/device")" = r0 ] && ok "LUN 0 now names r0" || not_ok "LUN 0 now names r0"
sleep 0.5
[ "$(count '^ua 0 06/3F/0E$')" = "$rel_before" ] && ok "replace sends no REPORTED LUNS DATA HAS CHANGED (the LUN list is the same)" || not_ok "replace sent REPORTED LUNS DATA HAS CHANGED"
check "the replaced device d0 can be deleted" adm mgmt handlers/vdisk_nullio 'del_device d0'
check "replace LUN 3 read-only" adm mgmt "$TP/luns" 'replace n3 3 read_only=1'
[ "$(adm get "$TP/luns/3/read_only")" = 1 ] && ok "LUN 3 is read-only" || not_ok "LUN 3 is read-only"

# ---- the session re-bound to a group while its I/O runs (as SCST does) ----
check "create group g1 (LUN 0 the same device, LUN 7 another)" adm mgmt "$TP/ini_groups" 'create g1'
check "g1: LUN 0 r0" adm mgmt "$TP/ini_groups/g1/luns" 'add r0 0'
check "g1: LUN 7 n4" adm mgmt "$TP/ini_groups/g1/luns" 'add n4 7'
check "put the session's initiator in g1" adm mgmt "$TP/ini_groups/g1/initiators" "add $INI"
wait_last 'luns 0 7' && ok "the live session now sees g1's LUNs (0 7)" || { not_ok "re-bound session sees g1"; sed 's/^/# /' "$OUT" | tail -5; }
adm ls "$TP/sessions/$INI" | grep -qx "luns -> /$TP/ini_groups/g1/luns" && ok "sessions/$INI/luns now links to g1" || not_ok "session luns link follows the re-bind"
wait_for '^gone 1 05/25/00$' && ok "a LUN of the old table answers LOGICAL UNIT NOT SUPPORTED" || not_ok "old table's LUN 1 gone"
check "create group g2 (LUN 0 another device)" adm mgmt "$TP/ini_groups" 'create g2'
check "g2: LUN 0 n6" adm mgmt "$TP/ini_groups/g2/luns" 'add n6 0'
inq_before=$(count '^ua 0 06/3F/03$')
check "move the initiator to g2" adm mgmt "$TP/ini_groups/g1/initiators" "move $INI g2"
wait_last 'luns 0' && ok "after the move the session sees g2's LUN list" || not_ok "moved session sees g2"
[ "$(count '^ua 0 06/3F/03$')" -gt "$inq_before" ] && ok "LUN 0, now another device, gave INQUIRY DATA HAS CHANGED" || not_ok "INQUIRY DATA HAS CHANGED after the move"
if err=$(adm mgmt "$TP/ini_groups" 'del g2' 2>&1); then not_ok "a group with a session cannot be deleted"; else ok "a group with a session cannot be deleted: ${err#scstadm: }"; fi

# ---- the I/O went on without a single error ----
ops1=$(grep -c . "$OUT")
sleep 0.5
touch "$TMPD/stop"
wait "$LPID"; rc=$?
done_line=$(grep '^done ' "$OUT")
echo "# live-io: $done_line"
[ "$rc" = 0 ] && [[ $done_line == *" errors=0 "* ]] && ok "I/O on LUN 0 never failed across $N adds, 2 removals, 2 replaces and 2 re-binds" || { not_ok "I/O on LUN 0 never failed"; grep '^error' "$OUT" | head -10 | sed 's/^/# /'; }
ops=$(sed -n 's/^done ops=\([0-9]*\).*/\1/p' "$OUT")
[ "${ops:-0}" -gt 100 ] && ok "the session kept doing I/O ($ops commands)" || not_ok "the session kept doing I/O (${ops:-0} commands, $ops1 lines)"
grep -q '^error' "$OUT" && not_ok "no error line from live-io" || ok "no error line from live-io"

stop_scstd && ok "scstd stops cleanly" || not_ok "scstd stops cleanly"
check_sanitizers

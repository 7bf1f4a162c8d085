#!/bin/bash
# Persistent reservations over iSCSI survive a crash of scstd: registrations
# with APTPL and the reservation come back after SIGKILL and a restart with the
# same state directory; a crash in the middle of a burst of PR OUT commands
# never leaves a state file that does not load, and never loses an
# acknowledged registration change.
. "$(dirname "$0")/lib.sh"

CLIENT=$BUILD/tests/integration/scsi-client
[ -x "$CLIENT" ] || { skip "scsi-client" "libiscsi-dev not installed"; exit 0; }
IQN=iqn.2026-11.org.scst:pr
INI_A=iqn.2026-11.org.test:pr-a
INI_B=iqn.2026-11.org.test:pr-b
truncate -s 64M "$TMPD/pr.img"
truncate -s 16M "$TMPD/pr1.img"
cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $TMPD/pr.img
	}
	DEVICE disk1 {
		filename $TMPD/pr1.img
	}
}
TARGET_DRIVER iscsi {
	TARGET $IQN {
		rel_tgt_id 1
		LUN 0 disk0
		LUN 1 disk1
		enabled 1
	}
}
CONF
STATE=$TMPD/state

# Restart on the same port, so URLs stay valid; lib.sh passes --state-dir $TMPD/state.
restart() {
	kill -KILL "$SCSTD_PID" 2>/dev/null
	wait "$SCSTD_PID" 2>/dev/null
	SCSTD_PID=""
	"$SCSTD" -f -c "$TMPD/scst.conf" --portal "127.0.0.1:$PORT" --threads 2 --state-dir "$STATE" \
		>>"$TMPD/scstd.log" 2>&1 &
	SCSTD_PID=$!
	wait_port "$PORT"
}

start_scstd "$TMPD/scst.conf" || { not_ok "scstd starts"; exit 1; }
URL="iscsi://127.0.0.1:$PORT/$IQN/0"
check "A registers key a1 with APTPL" "$CLIENT" "$URL" "$INI_A" register a1 aptpl
check "B registers key b2 with APTPL" "$CLIENT" "$URL" "$INI_B" register b2 aptpl
check "A reserves write exclusive" "$CLIENT" "$URL" "$INI_A" reserve a1 1
"$CLIENT" "$URL" "$INI_A" read-keys >"$TMPD/keys.before"
"$CLIENT" "$URL" "$INI_A" read-reservation >"$TMPD/res.before"
check "a state file exists" test -s "$STATE/disk0.pr"

restart || { not_ok "scstd restarts after SIGKILL"; exit 1; }
ok "scstd restarts after SIGKILL"
"$CLIENT" "$URL" "$INI_B" read-keys >"$TMPD/keys.after"
"$CLIENT" "$URL" "$INI_B" read-reservation >"$TMPD/res.after"
check "READ KEYS is the same after the restart" diff "$TMPD/keys.before" "$TMPD/keys.after"
check "READ RESERVATION is the same after the restart" diff "$TMPD/res.before" "$TMPD/res.after"
out=$("$CLIENT" "$URL" "$INI_B" write 0)
[[ $out == *"status 0x18"* ]] && ok "the reservation still blocks B's writes (RESERVATION CONFLICT)" ||
	{ not_ok "the reservation still blocks B's writes (RESERVATION CONFLICT)"; echo "# $out"; }
check "the holder A still writes" "$CLIENT" "$URL" "$INI_A" write 0
grep -q "key a1 type 1" "$TMPD/res.after" && ok "holder a1, type write exclusive" ||
	not_ok "holder a1, type write exclusive"

# Crash injection: kill at a random point of a burst of PR OUT commands, ten times.
first=1000
bad=0
why=""
for round in $(seq 1 10); do
	"$CLIENT" "$URL" "$INI_A" burst "$first" 200 >"$TMPD/burst.out" 2>/dev/null &
	bpid=$!
	sleep "0.0$((RANDOM % 9 + 1))"
	restart || { bad=1; why="round $round: no restart"; break; }
	wait "$bpid" 2>/dev/null
	last=$(awk '/^ack/ {k=$2} END {print k}' "$TMPD/burst.out")
	keys=$("$CLIENT" "$URL" "$INI_B" read-keys 2>&1) || { bad=1; why="round $round: $keys"; break; }
	# A's key is the last acknowledged one, or the one in flight when killed.
	akey=$(echo "$keys" | tr ' ' '\n' | grep -v '^b2$' | tail -n 1)
	if [ -n "$last" ] && [ "$((16#$akey))" -ne "$((16#$last))" ] &&
		[ "$((16#$akey))" -ne "$((16#$last + 1))" ]; then
		bad=1
		why="round $round: last ack $last, key after restart $akey ($keys)"
	fi
	grep -q "not restored" "$TMPD/scstd.log" && { bad=1; why="round $round: $(grep "not restored" "$TMPD/scstd.log" | head -n 1)"; }
	first=$((first + 1000))
done
[ $bad = 0 ] && ok "10 crashes during PR OUT bursts: state always loads, no acknowledged change lost" ||
	not_ok "10 crashes during PR OUT bursts: state always loads, no acknowledged change lost ($why)"

# SPEC_I_PT and REGISTER AND MOVE on LUN 1. scsi-client logs in with ISID 0x00a0b0005c51.
U1="iscsi://127.0.0.1:$PORT/$IQN/1"
PA="$INI_A,i,0x00a0b0005c51"
check "A registers itself and B (by name) with SPEC_I_PT" "$CLIENT" "$U1" "$INI_A" register-spec a1 "$INI_B"
out=$("$CLIENT" "$U1" "$INI_B" read-keys)
[[ $out == *"keys a1 a1" ]] && ok "B sees two registrations with key a1 ($out)" || { not_ok "READ KEYS after SPEC_I_PT"; echo "# $out"; }
check "B, registered by A, reserves with key a1" "$CLIENT" "$U1" "$INI_B" reserve a1 1
out=$("$CLIENT" "$U1" "$INI_A" write 0)
[[ $out == *"status 0x18"* ]] && ok "A may not write under B's write exclusive reservation" || { not_ok "A's write conflict"; echo "# $out"; }
out=$("$CLIENT" "$U1" "$INI_A" register-spec a7 "$INI_B")
[[ $out == *"sense 5/2400"* ]] && ok "SPEC_I_PT from a registered nexus: INVALID FIELD IN CDB" || { not_ok "SPEC_I_PT from a registered nexus"; echo "# $out"; }
out=$("$CLIENT" "$U1" "$INI_B" register-move a1 b9 1 "$PA" badproto)
[[ $out == *"sense 5/2600"* ]] && ok "REGISTER AND MOVE with a non-iSCSI TransportID: INVALID FIELD IN PARAMETER LIST" || { not_ok "bad TransportID"; echo "# $out"; }
out=$("$CLIENT" "$U1" "$INI_B" register-move a1 b9 7 "$PA")
[[ $out == *"sense 5/2600"* ]] && ok "REGISTER AND MOVE to a relative target port that does not exist: refused" || { not_ok "bad rel_tgt_id"; echo "# $out"; }
out=$("$CLIENT" "$U1" "$INI_A" register-move a1 b9 1 "$INI_B,i,0x00a0b0005c51")
[[ $out == *"status 0x18"* ]] && ok "REGISTER AND MOVE by a nexus that does not hold the reservation: RESERVATION CONFLICT" || { not_ok "move by a non-holder"; echo "# $out"; }
check "B moves the reservation to A's nexus" "$CLIENT" "$U1" "$INI_B" register-move a1 b9 1 "$PA"
check "A, the holder now, writes" "$CLIENT" "$U1" "$INI_A" write 0
out=$("$CLIENT" "$U1" "$INI_B" write 0)
[[ $out == *"status 0x18"* ]] && ok "B no longer writes" || { not_ok "B's write after the move"; echo "# $out"; }
check "A moves it back to B and unregisters itself (UNREG)" "$CLIENT" "$U1" "$INI_A" register-move a1 c3 1 "$INI_B,i,0x00a0b0005c51" unreg
out=$("$CLIENT" "$U1" "$INI_B" read-keys)
[[ $out == *"keys a1" ]] && ok "one registration left, B's ($out)" || { not_ok "READ KEYS after the move with UNREG"; echo "# $out"; }
check "B writes again" "$CLIENT" "$U1" "$INI_B" write 0
stop_scstd
check_sanitizers

#!/bin/bash
# Rotating a target's CHAP secret at run time (RFC 7143 12.1.3 is checked at
# login only): a session logged in with the old secret keeps doing I/O without
# error, a new login with the old secret is refused, one with the new secret
# is accepted. Rotated twice: with `scstadm set` and with `scstadm apply`.
# Bounded: live-io stops after 60 s whatever happens, each wait after 10 s.
. "$(dirname "$0")/lib.sh"

T=iqn.2026-11.org.scst:rotate
SCSTADM=$BUILD/scstadm
LIVEIO=$BUILD/tests/integration/live-io
CTL=$TMPD/ctl.sock
OUT=$TMPD/live-io.out
adm() { "$SCSTADM" -s "$CTL" "$@"; }
TP=targets/iscsi/$T
OLD=oldsecret1234
NEW=newsecret5678
THIRD=thirdsecret999

if [ ! -x "$LIVEIO" ]; then skip "live-io not built (libiscsi-dev missing)"; exit 0; fi

conf() {
	cat <<EOF
HANDLER vdisk_nullio {
	DEVICE null0 {
		size 67108864
	}
}
TARGET_DRIVER iscsi {
	TARGET $T {
		IncomingUser "alice $1"
		LUN 0 null0
		enabled 1
	}
}
EOF
}
conf "$OLD" >"$TMPD/scst.conf"
start_scstd "$TMPD/scst.conf" --control "$CTL" || { not_ok "scstd starts"; exit 1; }
ok "scstd starts with IncomingUser"
H=127.0.0.1:$PORT
login() { iscsi-inq "iscsi://alice%$1@$H/$T/0" >"$TMPD/inq.out" 2>&1 && grep -q "Peripheral Device Type:DIRECT_ACCESS" "$TMPD/inq.out"; }
refused() { ! login "$1"; }
# live-io prints a line per unit attention only, so progress is read from scstd's counters.
sess_cmds() { adm get "$TP/sessions/iqn.2026-11.org.test:rotator/commands" 2>/dev/null || echo 0; }
wait_ready() {
	for _ in $(seq 1 100); do grep -q '^ready' "$OUT" && return 0; sleep 0.1; done
	return 1
}
# progress: the old session's command count grows by at least 100 within 10 s.
progress() {
	local c0 c1
	c0=$(sess_cmds)
	for _ in $(seq 1 100); do
		c1=$(sess_cmds)
		[ "$c1" -ge $((c0 + 100)) ] && return 0
		sleep 0.1
	done
	return 1
}

check "login with the secret" login "$OLD"
"$LIVEIO" -u "iscsi://alice%$OLD@$H/$T/0" -i iqn.2026-11.org.test:rotator -t 60 -s "$TMPD/stop" >"$OUT" 2>&1 &
LPID=$!
EXTRA_PIDS="$EXTRA_PIDS $LPID"
wait_ready && ok "a session logs in with the old secret and starts I/O" || { not_ok "live-io logged in"; sed 's/^/# /' "$OUT"; exit 1; }
check "its I/O runs" progress

# ---- rotation 1: scstadm set ----
check "set IncomingUser to a new secret" adm set "$TP/IncomingUser" "alice $NEW"
[ "$(adm get "$TP/IncomingUser")" = "alice $NEW" ] && ok "IncomingUser reads back" || not_ok "IncomingUser reads back"
check "a new login with the old secret is refused" refused "$OLD"
check "a new login with the new secret is accepted" login "$NEW"
check "the old session's I/O goes on" progress
if err=$(adm set "$TP/IncomingUser" "aliceonly" 2>&1); then not_ok "an account without a secret is refused"; else
	ok "an account without a secret is refused: $err"; fi
check "after the refused set the new secret still works" login "$NEW"

# ---- rotation 2: scstadm apply of a file with another secret ----
conf "$THIRD" >"$TMPD/rotated.conf"
check "apply a file with a third secret" adm apply "$TMPD/rotated.conf"
check "a login with the second secret is refused" refused "$NEW"
check "a login with the third secret is accepted" login "$THIRD"
check "the old session's I/O still goes on" progress
adm sessions | grep -q iqn.2026-11.org.test:rotator && ok "the old session is still listed" || not_ok "the old session is still listed"

touch "$TMPD/stop"
wait "$LPID"; rc=$?
done_line=$(grep '^done ' "$OUT")
echo "# live-io: $done_line"
[ "$rc" = 0 ] && [[ $done_line == *" errors=0 "* ]] && ok "the session logged in with the old secret never saw an error" || { not_ok "no I/O error"; grep '^error' "$OUT" | head | sed 's/^/# /'; }
if grep -q "$OLD\|$NEW\|$THIRD" "$TMPD/scstd.log"; then not_ok "secrets never appear in the log"; else ok "secrets never appear in the log"; fi
stop_scstd && ok "scstd stops cleanly" || not_ok "scstd stops cleanly"
check_sanitizers

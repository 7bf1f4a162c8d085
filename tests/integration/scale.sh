#!/bin/bash
# Scale (issue 6): one `scstadm apply` creates 4096 vdisk_nullio devices and
# 4096 LUNs on one target; `scstadm ls` and REPORT LUNS (iscsi-ls) list them
# all. Then 512 iSCSI sessions log in to the one daemon at once (the
# `sessions` libiscsi program) and each does a TEST UNIT READY; with all of
# them in, an apply removes half the LUNs; each session then hears of it
# (REPORTED LUNS DATA HAS CHANGED), does a good TEST UNIT READY and logs out.
# Prints the apply time, the login time and the daemon's memory (VmRSS) per
# LUN and per session as "# " lines. About 5 s (10 s under ASan).
. "$(dirname "$0")/lib.sh"

T=iqn.2026-11.org.scst:scale
SCSTADM=$BUILD/scstadm
SESSIONS=$BUILD/tests/integration/sessions
CTL=$TMPD/ctl.sock
adm() { "$SCSTADM" -s "$CTL" "$@"; }
NDEV=4096
NSESS=512
# One socket per session in scstd and in the client, plus io_uring and files.
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((NSESS + 256)) ]; then
	NSESS=$(($(ulimit -n) - 256))
	echo "# file descriptor limit $(ulimit -n): $NSESS sessions"
fi

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SCSTD_PID/status"; }
now() { date +%s.%N; }
secs() { python3 -c "print('%.2f' % ($2 - $1))"; }

# conf N: N nullio devices, LUN i -> device ni on one target.
conf() {
	echo "HANDLER vdisk_nullio {"
	for ((i = 0; i < $1; i++)); do printf '\tDEVICE n%d {\n\t\tsize 1048576\n\t}\n' $i; done
	echo "}"
	echo "TARGET_DRIVER iscsi {"
	printf '\tTARGET %s {\n' "$T"
	for ((i = 0; i < $1; i++)); do printf '\t\tLUN %d n%d\n' $i $i; done
	printf '\t\tenabled 1\n\t}\n}\n'
}
conf 1 >"$TMPD/one.conf"
conf $NDEV >"$TMPD/big.conf"

start_scstd "$TMPD/one.conf" --control "$CTL" || { not_ok "scstd starts"; exit 1; }
ok "scstd starts with one LUN"
sleep 0.2
rss0=$(rss_kb)

# ---- 4096 devices and LUNs in one apply ----
t0=$(now)
timeout 60 "$SCSTADM" -s "$CTL" apply "$TMPD/big.conf" >"$TMPD/apply.out" 2>&1; rc=$?
t1=$(now)
rss1=$(rss_kb)
[ $rc = 0 ] && ok "one apply creates $NDEV devices and $NDEV LUNs" || { not_ok "apply of $NDEV devices"; sed 's/^/# /' "$TMPD/apply.out"; }
echo "# apply of $NDEV devices + $NDEV LUNs: $(secs "$t0" "$t1") s"
echo "# scstd VmRSS: $rss0 kB with 1 LUN, $rss1 kB with $NDEV: $(((rss1 - rss0) * 1024 / (NDEV - 1))) bytes per device+LUN"

t0=$(now)
ndev=$(adm ls devices | grep -c /)
nlun=$(adm ls "targets/iscsi/$T/luns" | grep -c /)
t1=$(now)
[ "$ndev" = $NDEV ] && [ "$nlun" = $NDEV ] && ok "scstadm ls lists $NDEV devices and $NDEV LUNs ($(secs "$t0" "$t1") s)" || not_ok "scstadm ls: $ndev devices, $nlun LUNs"
[ "$(adm get "targets/iscsi/$T/luns/4095/device")" = n4095 ] && ok "LUN 4095 names n4095" || not_ok "LUN 4095 names n4095"
[ "$(adm ls devices/n4095/exported)" = "export0 -> /targets/iscsi/$T/luns/4095" ] && ok "devices/n4095/exported links to its LUN" || not_ok "devices/n4095/exported"
[ "$(adm ls handlers/vdisk_nullio | grep -c ' -> /devices/')" = $NDEV ] && ok "handlers/vdisk_nullio lists its $NDEV devices" || not_ok "handlers/vdisk_nullio lists its devices"

t0=$(now)
timeout 60 iscsi-ls -s "iscsi://127.0.0.1:$PORT" >"$TMPD/ls.out" 2>&1
t1=$(now)
nrep=$(grep -c 'Lun:' "$TMPD/ls.out")
[ "$nrep" = $NDEV ] && ok "REPORT LUNS over iSCSI lists $NDEV LUNs (iscsi-ls -s, $(secs "$t0" "$t1") s)" || { not_ok "iscsi-ls -s lists $NDEV LUNs ($nrep)"; tail -3 "$TMPD/ls.out" | sed 's/^/# /'; }
# iscsi-ls prints the first two LUN bytes as they are: flat space LUN 4095 is 0x4000 | 4095.
grep -q "Lun:$((0x4000 | 4095)) " "$TMPD/ls.out" && ok "LUN 4095 (flat space addressing) is there" || not_ok "LUN 4095 listed"

t0=$(now)
adm save "$TMPD/saved.conf" && timeout 60 "$SCSTADM" -s "$CTL" apply "$TMPD/saved.conf"; rc=$?
t1=$(now)
[ $rc = 0 ] && ok "save and apply of the saved $NDEV-LUN file ($(secs "$t0" "$t1") s)" || not_ok "save and apply of the saved file"

# ---- many sessions on one daemon, and an apply under them ----
if [ -x "$SESSIONS" ]; then
	"$SESSIONS" -p "127.0.0.1:$PORT" -T "$T" -n "$NSESS" -t 60 --pid "$SCSTD_PID" -H "$TMPD/hold" \
		>"$TMPD/sess.out" 2>&1 &
	SPID=$!
	EXTRA_PIDS="$EXTRA_PIDS $SPID"
	for _ in $(seq 1 300); do grep -q '^# holding' "$TMPD/sess.out" && break; kill -0 $SPID 2>/dev/null || break; sleep 0.1; done
	grep -q "^# holding $NSESS sessions" "$TMPD/sess.out" && ok "$NSESS concurrent sessions logged in, each TEST UNIT READY GOOD" || { not_ok "$NSESS sessions logged in"; sed 's/^/# /' "$TMPD/sess.out" | tail -8; }
	n=$(adm sessions | tail -n +2 | wc -l)
	[ "$n" = "$NSESS" ] && ok "scstadm sessions lists $NSESS sessions" || not_ok "scstadm sessions lists $NSESS ($n)"
	# Half the LUNs (and their devices) go while every session is in: one new table,
	# one message per session.
	conf $((NDEV / 2)) >"$TMPD/half.conf"
	t0=$(now)
	timeout 60 "$SCSTADM" -s "$CTL" apply "$TMPD/half.conf" >"$TMPD/apply-half.out" 2>&1; rc=$?
	t1=$(now)
	[ $rc = 0 ] && ok "apply removing $((NDEV / 2)) LUNs and devices with $NSESS sessions in ($(secs "$t0" "$t1") s)" || { not_ok "apply under $NSESS sessions"; sed 's/^/# /' "$TMPD/apply-half.out"; }
	touch "$TMPD/hold"
	wait "$SPID"; rc=$?
	grep '^#' "$TMPD/sess.out" | grep -v '^# holding'
	sum=$(grep '^sessions=' "$TMPD/sess.out")
	[ $rc = 0 ] && ok "every session heard of the change, TEST UNIT READY GOOD again, all logged out ($sum)" || { not_ok "$NSESS sessions after the apply"; sed 's/^/# /' "$TMPD/sess.out" | tail -8; }
	uas=$(sed -n 's/.* uas=\([0-9]*\).*/\1/p' "$TMPD/sess.out")
	[ "${uas:-0}" -ge "$NSESS" ] && ok "each session got REPORTED LUNS DATA HAS CHANGED ($uas unit attentions)" || not_ok "unit attentions after the apply (${uas:-0})"
	for _ in $(seq 1 50); do [ -z "$(adm sessions | tail -n +2)" ] && break; sleep 0.1; done
	[ -z "$(adm sessions | tail -n +2)" ] && ok "no session left after the logouts" || not_ok "no session left ($(adm sessions | tail -n +2 | wc -l))"
else
	for t in "sessions logged in" "sessions listed" "apply under sessions" "sessions after the apply" "unit attentions" "no session left"; do
		skip "$t" "sessions not built (libiscsi-dev missing)"
	done
fi

# ---- and back to one LUN ----
t0=$(now)
timeout 60 "$SCSTADM" -s "$CTL" apply "$TMPD/one.conf" >"$TMPD/apply2.out" 2>&1; rc=$?
t1=$(now)
[ $rc = 0 ] && [ "$(adm ls devices | grep -c /)" = 1 ] && ok "one apply goes back to one LUN and device ($(secs "$t0" "$t1") s)" || { not_ok "apply back to one LUN"; sed 's/^/# /' "$TMPD/apply2.out"; }
echo "# scstd VmRSS after removing them: $(rss_kb) kB"

stop_scstd && ok "scstd stops cleanly" || not_ok "scstd stops cleanly"
check_sanitizers

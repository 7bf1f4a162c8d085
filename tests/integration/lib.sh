# Shared helpers for the integration tests (sourced). Tests print TAP lines;
# tests/run.sh counts them. Every daemon a test starts is killed by PID on
# exit, even when the test fails.
set -u
BUILD=${BUILD:-build}
SCSTD=$BUILD/scstd
TAP_N=0
TMPD=$(mktemp -d /tmp/scst-it.XXXXXX)
SCSTD_PID=""
EXTRA_PIDS=""

cleanup() {
	for p in $SCSTD_PID $EXTRA_PIDS; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMPD"
}
trap cleanup EXIT

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP ${2:-}"; }
# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() {
	local d=$1; shift
	if "$@" >"$TMPD/check.out" 2>&1; then ok "$d"; else
		not_ok "$d"; sed 's/^/# /' "$TMPD/check.out" | head -n 20; fi
}

# A free TCP port on loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_scstd CONF_FILE [extra args]: starts scstd on a free loopback port; sets PORT.
# With CONF_FILE "--default" it runs the built-in configuration instead.
start_scstd() {
	local conf=$1; shift
	local how=(-c "$conf")
	[ "$conf" = "--default" ] && how=(--default)
	PORT=$(free_port)
	# SCSTD_EXTRA_ARGS: run a suite under another mode by hand (--zerocopy on, ...).
	# shellcheck disable=SC2086
	"$SCSTD" -f "${how[@]}" --portal "127.0.0.1:$PORT" --threads 2 --state-dir "$TMPD/state" "$@" \
		${SCSTD_EXTRA_ARGS:-} \
		>"$TMPD/scstd.log" 2>&1 &
	SCSTD_PID=$!
	wait_port "$PORT" || { echo "# scstd did not start:"; sed 's/^/# /' "$TMPD/scstd.log"; return 1; }
}

wait_port() {
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	return 1
}

stop_scstd() {
	[ -n "$SCSTD_PID" ] || return 0
	kill -TERM "$SCSTD_PID" 2>/dev/null
	for _ in $(seq 1 300); do
		kill -0 "$SCSTD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SCSTD_PID" 2>/dev/null
	wait "$SCSTD_PID" 2>/dev/null
	local rc=$?
	SCSTD_PID=""
	return $rc
}

scstd_alive() { [ -n "$SCSTD_PID" ] && kill -0 "$SCSTD_PID" 2>/dev/null; }

# A sanitizer report in the daemon's log is a failure of its own.
check_sanitizers() {
	if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$TMPD/scstd.log"; then
		not_ok "no sanitizer reports from scstd"
		grep -A12 "ERROR: \|runtime error:" "$TMPD/scstd.log" | head -n 40 | sed 's/^/# /'
	else
		ok "no sanitizer reports from scstd"
	fi
}

# side_writer_start URL BYTE: a second initiator (qemu-io) writes 64 KiB blocks
# of BYTE over 48-52 MiB of the LUN, then reads them back, while the test does
# its own I/O; side_writer_check DESCRIPTION waits for it and checks the read.
side_writer_start() {
	local cmds=() i
	for i in $(seq 0 63); do cmds+=(-c "write -P $2 $((48 * 1048576 + i * 65536)) 64k"); done
	qemu-io -f raw "${cmds[@]}" -c "read -P $2 48M 4M" "$1" >"$TMPD/side.out" 2>&1 &
	SIDE=$!
	EXTRA_PIDS="$EXTRA_PIDS $SIDE"
}

side_writer_check() {
	if wait "$SIDE" && grep -q "read 4194304/4194304 bytes at offset 50331648" "$TMPD/side.out" &&
		! grep -q -i "fail" "$TMPD/side.out"; then
		ok "$1"
	else
		not_ok "$1"; tail -n 5 "$TMPD/side.out" | sed 's/^/# /'
	fi
}

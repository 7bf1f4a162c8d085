#!/bin/bash
# bench/run.sh — scstd beside tgtd and istgt, on one machine, over loopback.
#
# Starts a private scstd (vdisk_nullio + vdisk_fileio), tgtd (null + rdwr)
# and istgt (file) on free 127.0.0.1 ports, drives each LUN with
# bench/.build/iscsi-load (libiscsi), and writes one table with our ratio to
# each peer to stdout, bench/results/<date>.md and bench/results/<date>.csv
# (per run; bench/report.py renders it, with the settings in <date>.json).
# See bench/README.md for the knobs and how to read the table.
#
# Every load is bounded (BENCH_SECONDS per run, plus a hard alarm in the load
# tool); every daemon started here is stopped on exit, error or signal.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

BENCH_SECONDS=${BENCH_SECONDS:-5}         # length of one measured run
BENCH_RUNS=${BENCH_RUNS:-3}               # runs per cell (median, min..max)
BENCH_QDS=${BENCH_QDS:-"1 8 32 128"}      # queue depths of the 4 KiB random tests
BENCH_SEQ_QD=${BENCH_SEQ_QD:-8}           # queue depth of the 128 KiB sequential tests
BENCH_TESTS=${BENCH_TESTS:-"randread randwrite read write"}
BENCH_TARGETS=${BENCH_TARGETS:-"scst tgt istgt"} # add scst-poll, scst-coalesce: scstd variants
BENCH_POLL_US=${BENCH_POLL_US:-50}        # scst-poll's --poll-us
BENCH_COALESCE_US=${BENCH_COALESCE_US:-20} # scst-coalesce's --coalesce-us
BENCH_SIZE=${BENCH_SIZE:-1073741824}      # bytes per LUN (files in /dev/shm, and null LUNs)
BENCH_PREFILL=${BENCH_PREFILL:-1}         # write the files once so reads do not hit holes
BENCH_PIN=${BENCH_PIN:-1}                 # target on CPU 0, initiator on CPU 1
BENCH_TARGET_CPU=${BENCH_TARGET_CPU:-0}
BENCH_INI_CPU=${BENCH_INI_CPU:-1}
BENCH_UNPINNED=${BENCH_UNPINNED:-1}       # one extra unpinned 4K randread QD32 run per LUN
BENCH_PERF=${BENCH_PERF:-first}           # perf stat on: first run of a cell | all | none
BENCH_SCST_THREADS=${BENCH_SCST_THREADS:-1}
BENCH_NICE=${BENCH_NICE:--10}             # nice of daemons and initiator (0: leave as is)
BENCH_SCSTD=${BENCH_SCSTD:-$ROOT/build/scstd}
BENCH_DIR=${BENCH_DIR:-/dev/shm}          # where the LUN files go
BENCH_OUT=${BENCH_OUT:-$HERE/results}
BENCH_KEEP=${BENCH_KEEP:-0}               # keep the work dir (logs, configs) after the run
export BENCH_SECONDS BENCH_RUNS BENCH_QDS BENCH_SEQ_QD BENCH_TESTS BENCH_TARGETS BENCH_SIZE \
	BENCH_PREFILL BENCH_PERF BENCH_SCST_THREADS BENCH_NICE BENCH_TARGET_CPU BENCH_INI_CPU BENCH_DIR \
	BENCH_POLL_US BENCH_COALESCE_US

STAMP=$(date +%Y-%m-%d-%H%M%S)
WORK=$(mktemp -d /tmp/scst-bench.XXXXXX)
SHM_PREFIX="$BENCH_DIR/scst-bench-$$"
LOAD="$HERE/.build/iscsi-load"
CSV="$WORK/runs.csv"
IQN_SCST=iqn.2026-11.org.scst:bench
IQN_TGT=iqn.2026-11.org.scst:peer-tgt
IQN_ISTGT_NODE=iqn.2026-11.org.scst
IQN_ISTGT=$IQN_ISTGT_NODE:peer-istgt

log() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup
declare -A DPID=()        # daemon name -> pid
declare -A DSTATUS=()     # daemon name -> "ok" or why it is not running
TGT_CTL=""
PERF_PID=""
LOAD_PID=""

stop_pid() { # pid grace_seconds
	local pid=$1 grace=$2 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < grace * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "$LOAD_PID" ] && kill -KILL "$LOAD_PID" 2>/dev/null
	[ -n "$PERF_PID" ] && kill -INT "$PERF_PID" 2>/dev/null
	[ -n "$PERF_PID" ] && { sleep 0.2; kill -KILL "$PERF_PID" 2>/dev/null; }
	if [ -n "${DPID[tgt]:-}" ] && kill -0 "${DPID[tgt]}" 2>/dev/null; then
		# tgtd ignores SIGTERM while it has targets: delete them first.
		timeout 5 tgtadm -C "$TGT_CTL" --lld iscsi --op delete --mode target --tid 1 --force \
			>/dev/null 2>&1
		stop_pid "${DPID[tgt]}" 2
	fi
	[ -n "${DPID[scst]:-}" ] && stop_pid "${DPID[scst]}" 10
	[ -n "${DPID[scst-poll]:-}" ] && stop_pid "${DPID[scst-poll]}" 10
	[ -n "${DPID[scst-coalesce]:-}" ] && stop_pid "${DPID[scst-coalesce]}" 10
	[ -n "${DPID[istgt]:-}" ] && stop_pid "${DPID[istgt]}" 2
	rm -f "$SHM_PREFIX".*
	if [ "$BENCH_KEEP" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
	exit $rc
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- tools
need=(taskset perf python3 cc)
for t in $BENCH_TARGETS; do
	case $t in
	tgt) need+=(tgtd tgtadm) ;;
	istgt) need+=(istgt) ;;
	esac
done
missing=()
for t in "${need[@]}"; do command -v "$t" >/dev/null || missing+=("$t"); done
# iscsi-perf and qemu-img are not used for the numbers (see README) but
# are the cross-check the README shows; report them when absent.
for t in iscsi-perf qemu-img; do command -v "$t" >/dev/null || log "note: $t not found (only used for cross-checks)"; done
[ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (make bench installs tgt istgt linux-perf)"
[ -x "$BENCH_SCSTD" ] || die "$BENCH_SCSTD not built (make all)"
[ -f /usr/include/iscsi/iscsi.h ] || die "libiscsi-dev missing"

mkdir -p "$HERE/.build" "$BENCH_OUT"
if [ ! -x "$LOAD" ] || [ "$HERE/iscsi-load.c" -nt "$LOAD" ]; then
	cc -std=gnu17 -O2 -Wall -Wextra -o "$LOAD" "$HERE/iscsi-load.c" -liscsi ||
		die "cannot build bench/iscsi-load.c"
fi

NCPU=$(nproc)
if [ "$BENCH_PIN" = 1 ] && [ "$NCPU" -lt 2 ]; then
	log "only $NCPU CPU: not pinning"
	BENCH_PIN=0
fi

# ---------------------------------------------------------------- ports
declare -A USED_PORTS=()
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		[ -n "${USED_PORTS[$p]:-}" ] && continue
		ss -Htan "sport = :$p" 2>/dev/null | grep -q . && continue
		USED_PORTS[$p]=1
		echo "$p"
		return
	done
}

# ---------------------------------------------------------------- LUN files
mkfile() { # path
	truncate -s "$BENCH_SIZE" "$1" || return 1
	if [ "$BENCH_PREFILL" = 1 ]; then
		dd if=/dev/zero of="$1" bs=1M count=$((BENCH_SIZE / 1048576)) conv=notrunc status=none ||
			return 1
	fi
}

# LUN table: name -> url; name is target/kind (kind: null or file)
declare -A URL=()
LUNS=()

wait_ready() { # name url pid
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$3" 2>/dev/null || return 1
		if timeout 5 "$LOAD" -u "$2" -m randread -q 1 -t 0.1 -n 20 >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# start_scstd_as NAME [scstd options]: a private scstd with a null and a file LUN.
start_scstd_as() {
	local name=$1 port conf=$WORK/$1.conf
	shift
	port=$(free_port)
	mkfile "$SHM_PREFIX.$name.img" || { DSTATUS[$name]="cannot create $SHM_PREFIX.$name.img"; return 1; }
	cat >"$conf" <<-EOF
		HANDLER vdisk_nullio {
			DEVICE bnull0 {
				size $BENCH_SIZE
			}
		}
		HANDLER vdisk_fileio {
			DEVICE bfile0 {
				filename $SHM_PREFIX.$name.img
			}
		}
		TARGET_DRIVER iscsi {
			TARGET $IQN_SCST {
				LUN 0 bnull0
				LUN 1 bfile0
				enabled 1
			}
		}
	EOF
	$NICE "$BENCH_SCSTD" -f -c "$conf" --portal "127.0.0.1:$port" --threads "$BENCH_SCST_THREADS" \
		--control "$WORK/$name.sock" "$@" >"$WORK/$name.log" 2>&1 &
	DPID[$name]=$!
	URL[$name/null]="iscsi://127.0.0.1:$port/$IQN_SCST/0"
	URL[$name/file]="iscsi://127.0.0.1:$port/$IQN_SCST/1"
	if ! wait_ready "$name" "${URL[$name/null]}" "${DPID[$name]}"; then
		DSTATUS[$name]="scstd did not come up: $(tail -n 3 "$WORK/$name.log" | tr '\n' ' ')"
		return 1
	fi
	LUNS+=("$name/null" "$name/file")
}

start_scst() { start_scstd_as scst; }

# The same scstd with reactors that spin before they sleep (scstd --poll-us).
start_scst-poll() { start_scstd_as scst-poll --poll-us "$BENCH_POLL_US"; }

# The same scstd with reactors that linger to gather commands (scstd --coalesce-us).
start_scst-coalesce() { start_scstd_as scst-coalesce --coalesce-us "$BENCH_COALESCE_US"; }

# The same negotiation limits as scstd's defaults (MaxRecvDataSegmentLength
# 256 KiB, MaxBurstLength 1 MiB, FirstBurstLength 256 KiB, InitialR2T No,
# MaxOutstandingR2T 32), so no target wins by its defaults alone.
tgt_params() {
	local kv
	for kv in MaxRecvDataSegmentLength=262144 MaxXmitDataSegmentLength=262144 \
		MaxBurstLength=1048576 FirstBurstLength=262144 MaxOutstandingR2T=32 InitialR2T=No; do
		tgtadm -C "$TGT_CTL" --lld iscsi --op update --mode target --tid 1 \
			-n "${kv%=*}" -v "${kv#*=}" >>"$WORK/tgtd.log" 2>&1 || return 1
	done
}

start_tgt() {
	local port n
	port=$(free_port)
	for ((n = 1000 + RANDOM % 8000; ; n++)); do
		[ -e "/var/run/tgtd/socket.$n" ] || break
	done
	TGT_CTL=$n
	mkfile "$SHM_PREFIX.tgt.img" || { DSTATUS[tgt]="cannot create $SHM_PREFIX.tgt.img"; return 1; }
	$NICE tgtd -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$port" >"$WORK/tgtd.log" 2>&1 &
	DPID[tgt]=$!
	local i ok=0
	for ((i = 0; i < 50; i++)); do
		if tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode target --tid 1 -T "$IQN_TGT" \
			>>"$WORK/tgtd.log" 2>&1; then
			ok=1
			break
		fi
		kill -0 "${DPID[tgt]}" 2>/dev/null || break
		sleep 0.1
	done
	[ $ok = 1 ] || { DSTATUS[tgt]="tgtd did not answer tgtadm: $(tail -n 2 "$WORK/tgtd.log" | tr '\n' ' ')"; return 1; }
	# tgtd's null backing store ignores the path and reports a fixed size
	# (see README); LUN 2 is the same-size file through the rdwr store.
	tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 \
		-b "$SHM_PREFIX.tgt.null" --bstype null >>"$WORK/tgtd.log" 2>&1 &&
		tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode logicalunit --tid 1 --lun 2 \
			-b "$SHM_PREFIX.tgt.img" --bstype rdwr >>"$WORK/tgtd.log" 2>&1 &&
		tgtadm -C "$TGT_CTL" --lld iscsi --op bind --mode target --tid 1 -I ALL \
			>>"$WORK/tgtd.log" 2>&1 &&
		tgt_params ||
		{ DSTATUS[tgt]="tgtadm setup failed: $(tail -n 2 "$WORK/tgtd.log" | tr '\n' ' ')"; return 1; }
	URL[tgt/null]="iscsi://127.0.0.1:$port/$IQN_TGT/1"
	URL[tgt/file]="iscsi://127.0.0.1:$port/$IQN_TGT/2"
	wait_ready tgt "${URL[tgt/null]}" "${DPID[tgt]}" ||
		{ DSTATUS[tgt]="tgtd LUNs not reachable"; return 1; }
	LUNS+=(tgt/null tgt/file)
}

start_istgt() {
	local port uport conf=$WORK/istgt.conf
	port=$(free_port)
	uport=$(free_port)
	mkfile "$SHM_PREFIX.istgt.img" || { DSTATUS[istgt]="cannot create $SHM_PREFIX.istgt.img"; return 1; }
	: >"$WORK/istgt-auth.conf"
	# istgt 0.4 refuses "InitialR2T No"; its one LU type here is a file.
	cat >"$conf" <<-EOF
		[Global]
		  NodeBase "$IQN_ISTGT_NODE"
		  PidFile $WORK/istgt.pidfile
		  AuthFile $WORK/istgt-auth.conf
		  MediaDirectory $WORK
		  LogFacility "local7"
		  Timeout 30
		  NopInInterval 20
		  DiscoveryAuthMethod None
		  MaxSessions 16
		  MaxConnections 4
		  MaxR2T 32
		  MaxOutstandingR2T 32
		  DefaultTime2Wait 2
		  DefaultTime2Retain 60
		  FirstBurstLength 262144
		  MaxBurstLength 1048576
		  MaxRecvDataSegmentLength 262144
		  InitialR2T Yes
		  ImmediateData Yes
		  DataPDUInOrder Yes
		  DataSequenceInOrder Yes
		  ErrorRecoveryLevel 0
		[UnitControl]
		  AuthMethod None
		  Portal UC1 127.0.0.1:$uport
		  Netmask 127.0.0.1
		[PortalGroup1]
		  Portal DA1 127.0.0.1:$port
		[InitiatorGroup1]
		  InitiatorName "ALL"
		  Netmask 127.0.0.1
		[LogicalUnit1]
		  TargetName peer-istgt
		  Mapping PortalGroup1 InitiatorGroup1
		  AuthMethod None
		  UseDigest Auto
		  UnitType Disk
		  QueueDepth 128
		  LUN0 Storage $SHM_PREFIX.istgt.img $BENCH_SIZE
	EOF
	$NICE istgt -D -c "$conf" -p "$WORK/istgt.pidfile" >"$WORK/istgt.log" 2>&1 &
	DPID[istgt]=$!
	URL[istgt/file]="iscsi://127.0.0.1:$port/$IQN_ISTGT/0"
	if ! wait_ready istgt "${URL[istgt/file]}" "${DPID[istgt]}"; then
		DSTATUS[istgt]="istgt did not come up: $(grep -m2 ERROR "$WORK/istgt.log" | tr '\n' ' ')"
		return 1
	fi
	LUNS+=(istgt/file)
}

# ---------------------------------------------------------------- measuring
pin_daemons() { # cpulist
	local t
	for t in "${!DPID[@]}"; do
		[ "${DSTATUS[$t]}" = ok ] || continue
		taskset -a -p -c "$1" "${DPID[$t]}" >/dev/null 2>&1 || log "cannot pin $t"
	done
}

proc_ticks() { # pid -> utime+stime of all its threads, in clock ticks
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

CLK_TCK=$(getconf CLK_TCK)
NICE=""
[ "$BENCH_NICE" != 0 ] && NICE="nice -n $BENCH_NICE"

busy_ticks() { # non-idle ticks of all CPUs
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# one_run target/kind mode bs qd pinned run_no use_perf
one_run() {
	local name=$1 mode=$2 bs=$3 qd=$4 pinned=$5 runno=$6 useperf=$7
	local target=${name%%/*} kind=${name##*/} pid ini=() out t0 t1 sc="" cs=""
	pid=${DPID[$target]}
	[ -n "$NICE" ] && ini=($NICE)
	[ "$pinned" = 1 ] && ini+=(taskset -c "$BENCH_INI_CPU")
	if [ "$useperf" = 1 ]; then
		perf stat -x, -e raw_syscalls:sys_enter,context-switches -o "$WORK/perf.out" \
			-p "$pid" >/dev/null 2>&1 &
		PERF_PID=$!
		sleep 0.3
	fi
	t0=$(proc_ticks "$pid")
	local b0 b1
	b0=$(busy_ticks)
	"${ini[@]}" "$LOAD" -u "${URL[$name]}" -m "$mode" -b "$bs" -q "$qd" -t "$BENCH_SECONDS" \
		>"$WORK/load.out" 2>"$WORK/load.err" &
	LOAD_PID=$!
	wait "$LOAD_PID"
	local lrc=$?
	LOAD_PID=""
	t1=$(proc_ticks "$pid")
	b1=$(busy_ticks)
	if [ -n "$PERF_PID" ]; then
		kill -INT "$PERF_PID" 2>/dev/null
		wait "$PERF_PID" 2>/dev/null
		PERF_PID=""
		sc=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$WORK/perf.out")
		cs=$(awk -F, '$3 == "context-switches" { print $1 }' "$WORK/perf.out")
	fi
	out=$(cat "$WORK/load.out")
	if [ -z "$out" ]; then
		log "$name $mode bs=$bs qd=$qd: load failed (rc $lrc): $(head -c 300 "$WORK/load.err" | tr '\n' ' ')"
		echo "$STAMP,$target,$kind,$mode,$bs,$qd,$pinned,$runno,FAILED,,,,,,,,,,,,," >>"$CSV"
		return
	fi
	# ops=.. secs=.. iops=.. mbps=.. lat_us=.. p50_us=.. p99_us=.. errors=.. ini_cpu_us_per_op=..
	local ops secs iops mbps lat p50 p99 errs icpu
	local kv
	for kv in $out; do
		case ${kv%%=*} in
		ops) ops=${kv#*=} ;; secs) secs=${kv#*=} ;; iops) iops=${kv#*=} ;; mbps) mbps=${kv#*=} ;;
		lat_us) lat=${kv#*=} ;; p50_us) p50=${kv#*=} ;; p99_us) p99=${kv#*=} ;;
		errors) errs=${kv#*=} ;; ini_cpu_us_per_op) icpu=${kv#*=} ;;
		esac
	done
	local tcpu
	tcpu=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" -v n="$ops" \
		'BEGIN { if (n > 0) printf "%.2f", (b - a) * 1e6 / hz / n }')
	# CPUs' worth of everything else (other users, perf) during the run
	local other
	other=$(awk -v a="$t0" -v b="$t1" -v x="$b0" -v y="$b1" -v hz="$CLK_TCK" -v s="$secs" -v i="$icpu" -v n="$ops" \
		'BEGIN { o = ((y - x) - (b - a) - i * n * hz / 1e6) / (s * hz); printf "%.2f", o < 0 ? 0 : o }')
	local spc="" cpc=""
	[ -n "$sc" ] && spc=$(awk -v s="$sc" -v n="$ops" 'BEGIN { if (n > 0 && s ~ /^[0-9]+$/) printf "%.3f", s / n }')
	[ -n "$cs" ] && cpc=$(awk -v s="$cs" -v n="$ops" 'BEGIN { if (n > 0 && s ~ /^[0-9]+$/) printf "%.3f", s / n }')
	echo "$STAMP,$target,$kind,$mode,$bs,$qd,$pinned,$runno,ok,$ops,$secs,$iops,$mbps,$lat,$p50,$p99,$errs,$tcpu,$spc,$cpc,$icpu,$useperf,$other" >>"$CSV"
	log "$(printf '%-10s %-9s %6s qd%-3s %s run %s: %8s IOPS %7s MB/s lat %7s us tcpu %6s us/cmd sys %s csw %s other %s%s' \
		"$name" "$mode" "$bs" "$qd" "$([ "$pinned" = 1 ] && echo pin || echo unpin)" "$runno" \
		"$iops" "$mbps" "$lat" "$tcpu" "${spc:--}" "${cpc:--}" "$other" "$([ "$errs" != 0 ] && echo " errors $errs")")"
}

# ---------------------------------------------------------------- main
# Versions now: others may rebuild build/scstd or commit while we run.
SCST_REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
SCST_DIRTY=$(cd "$ROOT" && git status --porcelain --untracked-files=no -- src include 2>/dev/null | grep -q . && echo "+local changes" || true)
VERS="scstd $SCST_REV$SCST_DIRTY (binary of $(date -r "$BENCH_SCSTD" '+%F %T')); tgt $(dpkg-query -W -f='${Version}' tgt 2>/dev/null); istgt $(dpkg-query -W -f='${Version}' istgt 2>/dev/null); libiscsi $(dpkg-query -W -f='${Version}' libiscsi-dev 2>/dev/null); kernel $(uname -r); $NCPU x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "stamp,target,kind,mode,bs,qd,pinned,run,status,ops,secs,iops,mbps,lat_us,p50_us,p99_us,errors,tgt_cpu_us_per_cmd,syscalls_per_cmd,ctxsw_per_cmd,ini_cpu_us_per_cmd,perf_attached,other_cpus" >"$CSV"

for t in $BENCH_TARGETS; do
	DSTATUS[$t]=starting
	if "start_$t"; then
		DSTATUS[$t]=ok
		log "$t up (pid ${DPID[$t]}): $(for l in "${LUNS[@]}"; do [ "${l%%/*}" = "$t" ] && printf '%s=%s ' "$l" "${URL[$l]}"; done)"
	else
		log "$t NOT started: ${DSTATUS[$t]}"
		[ -n "${DPID[$t]:-}" ] && {
			if [ "$t" = tgt ]; then kill -KILL "${DPID[$t]}" 2>/dev/null; wait "${DPID[$t]}" 2>/dev/null
			else stop_pid "${DPID[$t]}" 2; fi
		}
		unset "DPID[$t]"
	fi
done
[ ${#LUNS[@]} -gt 0 ] || die "no target could be started"

ncells=0
for m in $BENCH_TESTS; do
	case $m in randread | randwrite) for q in $BENCH_QDS; do ncells=$((ncells + 1)); done ;; *) ncells=$((ncells + 1)) ;; esac
done
nruns=$((ncells * BENCH_RUNS * ${#LUNS[@]}))
[ "$BENCH_UNPINNED" = 1 ] && [ "$BENCH_PIN" = 1 ] && nruns=$((nruns + ${#LUNS[@]}))
log "${#LUNS[@]} LUNs, $nruns runs of ${BENCH_SECONDS}s: about $(awk -v n="$nruns" -v s="$BENCH_SECONDS" 'BEGIN { printf "%.0f", n * (s + 0.25) / 60 + 0.5 }') min"
LOADAVG0=$(cut -d' ' -f1-3 /proc/loadavg)

[ "$BENCH_PIN" = 1 ] && pin_daemons "$BENCH_TARGET_CPU"

# Runs are interleaved (test, run, LUN) so that drift on the machine spreads
# over every target alike instead of landing on one.
for m in $BENCH_TESTS; do
	case $m in
	randread | randwrite) bs=4096 qds=$BENCH_QDS ;;
	read | write) bs=131072 qds=$BENCH_SEQ_QD ;;
	*) die "unknown test $m" ;;
	esac
	for q in $qds; do
		for ((r = 1; r <= BENCH_RUNS; r++)); do
			for l in "${LUNS[@]}"; do
				up=0
				case $BENCH_PERF in all) up=1 ;; first) [ $r = 1 ] && up=1 ;; esac
				kill -0 "${DPID[${l%%/*}]}" 2>/dev/null || {
					log "$l: daemon gone"
					continue
				}
				one_run "$l" "$m" "$bs" "$q" "$BENCH_PIN" "$r" "$up"
			done
		done
	done
done

if [ "$BENCH_UNPINNED" = 1 ] && [ "$BENCH_PIN" = 1 ]; then
	pin_daemons "0-$((NCPU - 1))"
	for l in "${LUNS[@]}"; do
		kill -0 "${DPID[${l%%/*}]}" 2>/dev/null && one_run "$l" randread 4096 32 0 1 1
	done
fi
LOADAVG1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
STATUS_LINE=""
for t in $BENCH_TARGETS; do STATUS_LINE+="$t=${DSTATUS[$t]}"$'\x1f'; done

cp "$CSV" "$BENCH_OUT/$STAMP.csv"
BENCH_STATUS="$STATUS_LINE" BENCH_VERS="$VERS" BENCH_LOAD0="$LOADAVG0" BENCH_LOAD1="$LOADAVG1" \
	BENCH_STAMP="$STAMP" BENCH_NCPU="$NCPU" BENCH_PIN="$BENCH_PIN" python3 -c '
import json, os
e = os.environ
keys = dict(seconds="BENCH_SECONDS", runs="BENCH_RUNS", pin="BENCH_PIN", perf="BENCH_PERF", size="BENCH_SIZE",
            nice="BENCH_NICE", prefill="BENCH_PREFILL", threads="BENCH_SCST_THREADS", vers="BENCH_VERS",
            load0="BENCH_LOAD0", load1="BENCH_LOAD1", stamp="BENCH_STAMP", targets="BENCH_TARGETS",
            tests="BENCH_TESTS", qds="BENCH_QDS", seq_qd="BENCH_SEQ_QD", target_cpu="BENCH_TARGET_CPU",
            ini_cpu="BENCH_INI_CPU", dir="BENCH_DIR", ncpu="BENCH_NCPU", poll_us="BENCH_POLL_US",
            coalesce_us="BENCH_COALESCE_US")
m = {k: e.get(v, "") for k, v in keys.items()}
m["status"] = dict(kv.split("=", 1) for kv in e["BENCH_STATUS"].split("\x1f") if kv)
print(json.dumps(m, indent=1))
' >"$BENCH_OUT/$STAMP.json" || die "cannot write $BENCH_OUT/$STAMP.json"
python3 "$HERE/report.py" "$BENCH_OUT/$STAMP.csv" "$BENCH_OUT/$STAMP.json" "$BENCH_OUT/$STAMP.md" ||
	die "report failed; the per-run numbers are in $BENCH_OUT/$STAMP.csv"
log "results: $BENCH_OUT/$STAMP.md $BENCH_OUT/$STAMP.csv"

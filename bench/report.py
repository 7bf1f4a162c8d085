#!/usr/bin/env python3
"""Render bench/run.sh's per-run CSV as the Markdown tables.

usage: report.py RUNS.csv META.json OUT.md   (also prints the tables)

META.json holds the run's settings (bench/run.sh writes it beside the CSV);
re-rendering an old run only needs the two files.
"""
import csv, json, sys, statistics
from collections import defaultdict

src, metaf, dst = sys.argv[1], sys.argv[2], sys.argv[3]
meta = json.load(open(metaf))
status = meta["status"]
targets = meta["targets"].split()
NOISY = float(meta.get("noisy", 0.3))

rows = [r for r in csv.DictReader(open(src)) if r["status"] == "ok"]
failed = [r for r in csv.DictReader(open(src)) if r["status"] != "ok"]
cell = defaultdict(list)
for r in rows:
    cell[(r["target"], r["kind"], r["mode"], int(r["qd"]), r["pinned"])].append(r)

def f(x):
    try: return float(x)
    except (TypeError, ValueError): return None

def med(rs, key):
    v = [f(r[key]) for r in rs if f(r[key]) is not None]
    return statistics.median(v) if v else None

def spread(rs, key):
    v = [f(r[key]) for r in rs if f(r[key]) is not None]
    if len(v) < 2 or not statistics.median(v): return None
    return (max(v) - min(v)) / statistics.median(v) * 100

def perf_med(rs, key):
    # syscalls and context switches exist only where perf was attached
    v = [f(r[key]) for r in rs if r["perf_attached"] == "1" and f(r[key]) is not None]
    return statistics.median(v) if v else None

def clean(rs):
    # throughput, latency and CPU come from runs without perf when there are any
    c = [r for r in rs if r["perf_attached"] != "1"]
    return c or rs

def fmt(v, nd=0):
    if v is None: return "—"
    if nd == 0 and v >= 10000: return f"{v/1000:.1f}k"
    return f"{v:.{nd}f}"

def noisy(t, k, m, q, pinned="1"):
    # a run during which other work on the machine took more than NOISY CPUs
    rs = cell.get((t, k, m, q, pinned)) or []
    return any((f(r.get("other_cpus")) or 0) > NOISY for r in clean(rs))

kinds = ["null", "file"]
tests = []
for m in meta["tests"].split():
    if m in ("randread", "randwrite"):
        tests += [(m, int(q)) for q in meta["qds"].split()]
    else:
        tests.append((m, int(meta["seq_qd"])))
label = {"randread": "4K rand read", "randwrite": "4K rand write", "read": "128K seq read", "write": "128K seq write"}
# scst and its variants (scst-poll: --poll-us, scst-coalesce: --coalesce-us) are ours.
ours = [t for t in targets if t.split("-")[0] == "scst"]
peers = [t for t in targets if t not in ours]
pairs = [(o, p) for o in ours for p in peers]

def value(t, k, m, q, pinned="1", key=None):
    rs = cell.get((t, k, m, q, pinned))
    if not rs: return None, None
    key = key or ("iops" if m.startswith("rand") else "mbps")
    if key in ("syscalls_per_cmd", "ctxsw_per_cmd"):
        return perf_med(rs, key), None
    return med(clean(rs), key), spread(clean(rs), key)

def missing(t, k):
    if status.get(t) != "ok": return "not started"
    return "n/a"

poll_note = f", scst-poll: scstd --poll-us {meta.get('poll_us', '?')}" if "scst-poll" in targets else ""
if "scst-coalesce" in targets:
    poll_note += f", scst-coalesce: scstd --coalesce-us {meta.get('coalesce_us', '?')}"
out = []
P = out.append
P(f"# scst bench {meta['stamp']}\n")
P(f"{meta['vers']}\n")
P(f"Each cell: {meta['runs']} runs of {meta['seconds']} s; "
  f"{'the first carries perf stat, the others give the medians (± = (max−min)/median)' if meta['perf'] == 'first' and int(meta['runs']) > 1 else 'median (± = (max−min)/median)'}; "
  f"one libiscsi session (bench/iscsi-load), target pinned to CPU {meta['target_cpu']} and initiator to CPU {meta['ini_cpu']}"
  f"{'' if meta['pin']=='1' else ' (NOT pinned)'}; LUNs of {int(meta['size'])>>20} MiB in {meta['dir']}"
  f"{' (prefilled)' if meta['prefill']=='1' else ' (sparse)'}; scstd --threads {meta['threads']}{poll_note}. "
  f"Daemons and initiator at nice {meta['nice']}. "
  f"Load average before/after: {meta['load0']} / {meta['load1']}.\n")
oth = sorted(f(r["other_cpus"]) for r in rows if f(r.get("other_cpus")) is not None)
if oth:
    P(f"Other load on the machine during the runs (CPUs' worth of busy time that was neither the target nor the initiator, "
      f"perf included): median {statistics.median(oth):.2f}, 90th percentile {oth[int(len(oth)*0.9)]:.2f}, max {oth[-1]:.2f} "
      f"of {meta['ncpu']} CPUs. A `~` marks a cell one of whose runs had more than {NOISY} CPUs of other load.\n")
P("Targets: " + ", ".join(f"**{t}**: {status.get(t,'not run')}" for t in targets) + "\n")

def table(title, key, unit_note, nd, ratio_note):
    P(f"## {title}\n")
    P(unit_note + "\n")
    hdr = "| LUN | test | QD | " + " | ".join(targets) + " | " + " | ".join(f"{o}/{p}" for o, p in pairs) + " |"
    P(hdr)
    P("|" + "---|" * (3 + len(targets) + len(pairs)))
    for k in kinds:
        for m, q in tests:
            cells, vals = [], {}
            for t in targets:
                v, s = value(t, k, m, q, key=key)
                vals[t] = v
                if v is None:
                    cells.append(missing(t, k))
                else:
                    cells.append(fmt(v, nd) + (f" ±{s:.0f}%" if s is not None and key is None else "")
                                 + (" ~" if key in (None, "tgt_cpu_us_per_cmd") and noisy(t, k, m, q) else ""))
            ratios = []
            for o, p in pairs:
                a, b = vals.get(o), vals.get(p)
                ratios.append(f"{a/b:.2f}" if a and b else "—")
            P(f"| {k} | {label[m]} | {q} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    P("\n" + ratio_note + "\n")

table("Throughput", None, "IOPS for 4K random, MB/s for 128K sequential.", 0,
      "scst/peer > 1: scstd is faster.")
table("Target CPU per command (µs)", "tgt_cpu_us_per_cmd",
      "utime+stime of every thread of the target process (/proc/PID/stat) over the run, divided by commands completed.", 1,
      "scst/peer < 1: scstd spends less CPU per command.")
table("Target syscalls per command", "syscalls_per_cmd",
      "perf stat -e raw_syscalls:sys_enter -p PID (all threads) over the run, divided by commands.", 2,
      "scst/peer < 1: fewer syscalls.")
table("Target context switches per command", "ctxsw_per_cmd",
      "perf stat -e context-switches -p PID over the run, divided by commands.", 3,
      "scst/peer < 1: fewer context switches.")

P("## Latency at QD 1 (µs, mean / p99, initiator side)\n")
P("| LUN | test | " + " | ".join(targets) + " | " + " | ".join(f"{o}/{p} (mean)" for o, p in pairs) + " |")
P("|" + "---|" * (2 + len(targets) + len(pairs)))
for k in kinds:
    for m in ("randread", "randwrite"):
        if (m, 1) not in tests: continue
        cells, vals = [], {}
        for t in targets:
            rs = cell.get((t, k, m, 1, "1"))
            if not rs: cells.append(missing(t, k)); continue
            vals[t] = med(clean(rs), "lat_us")
            cells.append(f"{vals[t]:.1f} / {med(clean(rs), 'p99_us'):.0f}" + (" ~" if noisy(t, k, m, 1) else ""))
        ratios = [f"{vals[o]/vals[p]:.2f}" if vals.get(o) and vals.get(p) else "—" for o, p in pairs]
        P(f"| {k} | {label[m]} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
P("\nscst/peer < 1: scstd answers sooner.\n")

if any(key[4] == "0" for key in cell):
    P("## Unpinned: 4K random read, QD 32, one run\n")
    P("| LUN | target | IOPS | target CPU µs/cmd | syscalls/cmd | ctx sw/cmd | initiator CPU µs/cmd |")
    P("|---|---|---|---|---|---|---|")
    for k in kinds:
        for t in targets:
            rs = cell.get((t, k, "randread", 32, "0"))
            if not rs: continue
            r = rs[0]
            P(f"| {k} | {t} | {fmt(f(r['iops']))} | {r['tgt_cpu_us_per_cmd']} | {r['syscalls_per_cmd'] or '—'} | {r['ctxsw_per_cmd'] or '—'} | {r['ini_cpu_us_per_cmd']} |")
    P("")

P("## Initiator CPU per command (µs, median)\n")
P("The load generator is one libiscsi thread on its own CPU; when its CPU per command times IOPS nears 1 s/s, the initiator, not the target, is the limit.\n")
P("| LUN | test | QD | " + " | ".join(targets) + " |")
P("|" + "---|" * (3 + len(targets)))
for k in kinds:
    for m, q in tests:
        cells = []
        for t in targets:
            v, _ = value(t, k, m, q, key="ini_cpu_us_per_cmd")
            cells.append(fmt(v, 1) if v is not None else missing(t, k))
        P(f"| {k} | {label[m]} | {q} | " + " | ".join(cells) + " |")
P("")
if failed:
    P(f"## Failed runs: {len(failed)}\n")
    for r in failed:
        P(f"- {r['target']}/{r['kind']} {r['mode']} QD {r['qd']} run {r['run']}")
    P("")
P(f"Per-run numbers: {dst.rsplit('/',1)[-1][:-3]}.csv (one row per run).")
open(dst, "w").write("\n".join(out) + "\n")
print("\n".join(out))

"""The benchmark suite (``make bench``): every benchmark, one summary table (issue 6, item 5).

    .venv/bin/python bench/run_all.py [--seconds 10] [--only server,auth,inventory,mixed,transfer,ledger,peer,order]

Runs, each as a subprocess with a time limit, the benchmarks that exist:

* bench/server_bench.py   server ceiling: /health/live full stack (b) vs a bare Django view (a);
* bench/auth_bench.py     login etc. vs raw bcrypt (the auth helper's script);
* bench/inventory_bench.py movements etc. vs pgbench (the inventory helper's script);
* bench/mixed_load.py     mixed reads/writes at 8/32/64 clients vs the /health/live ceiling;
* bench/transfer_bench.py 20-line transfer dispatch vs 20 OUTs; movement POST with vs without alerts;
* bench/ledger_scale.py   movement reads and writes with 10,000,000 movements vs 10,000 (COPY load);
* bench/peer_bench.py     profile GET, items page, movement POST vs the stock DRF peer (bench/peer/);
* bench/order_bench.py    3-line order vs 3 reservations; fulfil p99; order list at 1,000,000 vs 10,000 orders;

then reads their results (bench/results/<name>.json when the script writes one, else the tables
and "ratio" lines of bench/results/<name>.md), prints ONE table (req/s, p50/p99, error rate and
the ratio against the baseline measured in the same run), the goals of the performance round with
their figures, and writes bench/results/latest.md and latest.json with the machine facts (cores,
Python, PostgreSQL ``SELECT version()``).
The fault and soak scripts (db_fault, worker_kill, soak) are not part of ``make bench``; see
bench/README.md. Exit status 1 when a benchmark failed to run.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, ROOT
from bench.harness import fmt, machine, machine_line, md_table, server_uri

BENCH = ROOT / "bench"
# name, script, result name, time limit (s), what its ratio compares
SUITE = [
    ("server", "server_bench.py", "server", 240, "b/a: /health/live full stack vs bare Django view"),
    ("auth", "auth_bench.py", "auth", 300, "login vs raw bcrypt"),
    ("inventory", "inventory_bench.py", "inventory", 600, "movements vs pgbench"),
    ("mixed", "mixed_load.py", "mixed", 300, "mixed vs /health/live ceiling at the same concurrency"),
    ("transfer", "transfer_bench.py", "transfer", 600, "units/s dispatch vs OUTs; movements with vs without alerts"),
    ("ledger", "ledger_scale.py", "ledger_scale", 5400, "movements at 10,000,000 vs at 10,000 (reads and writes)"),
    ("peer", "peer_bench.py", "peer", 2400, "NatJoub vs the stock DRF peer (bench/peer/), same endpoints, same run"),
    ("order", "order_bench.py", "order", 1800, "units/s 3-line order vs 3 reservations; order list at 1M vs 10K"),
]

# The goals of the performance rounds (issue 14, then issue 21), each read from the rows of this run:
# (path, benchmark, scenario pattern, measure, goal text, test on the value).
GOALS = [
    ("14: POST movement vs pgbench, hot rows", "inventory", r"API POST /movements.*hot", "ratio", ">= 0.25",
     lambda v: v >= 0.25),
    ("14: POST movement vs pgbench, cold rows", "inventory", r"API POST /movements.*cold", "ratio", ">= 0.25",
     lambda v: v >= 0.25),
    ("14: GET items, 100 per page, 100,000 items, 8 clients", "inventory", r"GET /items.*8 clients", "p99_ms",
     "p99 < 100 ms", lambda v: v < 100),
    ("14: /health/live full stack vs bare Django view", "server", r"^b:", "ratio", ">= 0.80", lambda v: v >= 0.8),
    ("14: profile GET (bearer) vs /health/live", "auth", r"profile", "ratio", ">= 0.25", lambda v: v >= 0.25),
    ("14: mixed vs /health/live, 8 clients", "mixed", r"8 clients", "ratio", ">= 0.08", lambda v: v >= 0.08),
    ("14: mixed vs /health/live, 32 clients", "mixed", r"32 clients", "ratio", ">= 0.08", lambda v: v >= 0.08),
    ("14: mixed vs /health/live, 64 clients", "mixed", r"64 clients", "ratio", ">= 0.08", lambda v: v >= 0.08),
    ("14: GET movements first page at 10M", "ledger", r"first page.*10,000,000", "p99_ms", "p99 < 50 ms",
     lambda v: v < 50),
    ("14: GET movements first page, 10M vs 10K", "ledger", r"first page.*10,000,000", "ratio", "p99 <= 2x",
     lambda v: v <= 2),
    ("14: GET movements by item at 10M", "ledger", r"by item.*10,000,000", "p99_ms", "p99 < 50 ms", lambda v: v < 50),
    ("14: GET movements by item, 10M vs 10K", "ledger", r"by item.*10,000,000", "ratio", "p99 <= 2x",
     lambda v: v <= 2),
    ("14: GET movements by branch at 10M", "ledger", r"by branch.*10,000,000", "p99_ms", "p99 < 50 ms",
     lambda v: v < 50),
    ("14: GET movements by branch, 10M vs 10K", "ledger", r"by branch.*10,000,000", "ratio", "p99 <= 2x",
     lambda v: v <= 2),
    ("14: POST movement at 10M vs at 10K", "ledger", r"POST movement.*10,000,000", "ratio", ">= 0.9",
     lambda v: v >= 0.9),
    # issue 21 (ratios of the same run; the movement's app CPU is measured in-process: bench/inprocess.py)
    ("21: POST movement vs pgbench, hot rows", "inventory", r"API POST /movements.*hot", "ratio", ">= 0.35",
     lambda v: v >= 0.35),
    ("21: POST movement vs pgbench, cold rows", "inventory", r"API POST /movements.*cold", "ratio", ">= 0.35",
     lambda v: v >= 0.35),
    ("21: GET low stock, 1,000,000 rows, 8 clients", "inventory", r"low-stock, 8 clients", "p99_ms",
     "p99 < 50 ms", lambda v: v < 50),
    ("21: /health/live full stack vs bare Django view", "server", r"^b:", "ratio", ">= 0.70", lambda v: v >= 0.7),
    ("21: profile GET (bearer), wrk", "auth", r"profile", "p99_ms", "p99 < 30 ms", lambda v: v < 30),
    ("21: profile GET vs the stock DRF peer", "peer", r"NatJoub: profile", "ratio", ">= 1.5", lambda v: v >= 1.5),
    ("21: items page of 100 vs the peer", "peer", r"NatJoub: items", "ratio", ">= 1.5", lambda v: v >= 1.5),
    ("21: movement POST vs the peer", "peer", r"NatJoub: movement", "ratio", ">= 1.5", lambda v: v >= 1.5),
    # issue 19 (orders: bench/order_bench.py)
    ("19: 3-line order vs 3 reservation POSTs, units/s, 1 conn", "order", r"placement.*, 1 conn", "ratio",
     ">= 1.5", lambda v: v >= 1.5),
    ("19: 3-line order vs 3 reservation POSTs, units/s, loaded", "order", r"placement.*, (?!1 conn)\d+ conn",
     "ratio", ">= 1.5", lambda v: v >= 1.5),
    ("19: fulfil p99, 8 clients", "order", r"^fulfil", "p99_ms", "p99 < 50 ms", lambda v: v < 50),
    ("19: customer's order list at 1,000,000 orders", "order", r"order list.*at (?!10,000 )[\d,]{9,} orders",
     "p99_ms", "p99 < 50 ms", lambda v: v < 50),
    ("19: customer's order list, 1M vs 10K orders", "order", r"order list.*at (?!10,000 )[\d,]{9,} orders",
     "ratio", "p99 <= 1.5x", lambda v: v <= 1.5),
]  # fmt: skip


def goal_lines(rows: list[dict]) -> list[str]:
    """The goals table: each goal's figure from this run, or "not measured"."""
    lines = ["| path | figure | goal | met |", "|---|---|---|---|"]
    for path, bench, pattern, measure, goal, test in GOALS:
        row = next((r for r in rows if r["benchmark"] == bench and re.search(pattern, r["scenario"])), None)
        value = None if row is None else row.get(measure)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            lines.append(f"| {path} | not measured | {goal} | - |")
            continue
        shown = f"{value:.2f}" if measure == "ratio" else f"{value:.1f} ms"
        lines.append(f"| {path} | {shown} | {goal} | {'yes' if test(value) else '**missed**'} |")
    return lines


def accepts(script: Path, option: str) -> bool:
    """Whether ``script --help`` lists ``option`` (the other helpers' scripts choose their own flags)."""
    try:
        done = subprocess.run([sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)  # fmt: skip
    except subprocess.TimeoutExpired:
        return False
    return option in done.stdout


def run(name: str, script: Path, limit: float, seconds: float | None) -> dict:
    command = [sys.executable, str(script)]
    if seconds is not None and accepts(script, "--seconds"):
        command += ["--seconds", f"{seconds:g}"]
    print(f"==> {name}: {' '.join(command[1:])}", flush=True)
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=limit)
        status, out = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        status, out = "timeout", (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
    took = time.monotonic() - start
    print(f"    {name}: exit {status} after {took:.0f} s", flush=True)
    if status != 0:
        print("    " + "\n    ".join(out.strip().splitlines()[-15:]), flush=True)
    return {"exit": status, "seconds": took, "command": " ".join(command[1:]), "tail": out[-3000:]}


# ---------------------------------------------------------------------------------------------
# reading results
# ---------------------------------------------------------------------------------------------
def _num(text: str) -> float:
    match = re.search(r"-?[\d.]+(?:e-?\d+)?", text.replace(",", ""))
    try:
        return float(match[0]) if match else float("nan")
    except ValueError:
        return float("nan")


def md_tables(text: str) -> list[list[dict]]:
    """Every markdown table of ``text`` as a list of {header: cell} rows."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.fullmatch(r"\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*", lines[i + 1].strip()):
            header = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(header, cells, strict=False)))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


def _pick(row: dict, *patterns: str) -> str | None:
    for key, value in row.items():
        if any(re.search(p, key, re.IGNORECASE) for p in patterns):
            return value
    return None


def rows_from_markdown(name: str, text: str, window_s: float | None) -> list[dict]:
    rows = []
    for table in md_tables(text):
        for row in table:
            rps = _pick(row, r"req/s", r"\brps\b", r"ops/s", r"/s\b", r"throughput")
            if rps is None:
                continue
            scenario = next(iter(row.values()))
            errors = _pick(row, r"error rate", r"errors? ?%")
            non_ok = _pick(row, r"non-2xx", r"^errors?$", r"failures?")
            socket = _pick(row, r"socket")
            error_rate = float("nan")
            if errors is not None:
                error_rate = _num(errors) / (100 if "%" in errors or "%" in str(row) else 1)
            elif non_ok is not None and window_s and not math.isnan(_num(rps)) and _num(rps) > 0:
                failed = _num(non_ok) + (_num(socket) if socket else 0)
                error_rate = failed / (_num(rps) * window_s)  # approximate: wrk reports no total here
            rows.append({"benchmark": name, "scenario": scenario, "rps": _num(rps),
                         "p50_ms": _num(_pick(row, r"p50") or ""), "p99_ms": _num(_pick(row, r"p99") or ""),
                         "error_rate": error_rate, "ratio": None})  # fmt: skip
    return rows


def ratios_from_markdown(text: str) -> list[tuple[str, float]]:
    found = []
    for match in re.finditer(r"^(?:\W*)([^\n:]*[Rr]atio[^\n:]*):\s*\**\s*([\d.]+)", text, re.MULTILINE):
        found.append((match[1].strip(" *"), float(match[2])))
    return found


def rows_from_json(name: str, data: dict) -> list[dict]:
    scenarios = data.get("scenarios") or data.get("rows") or data.get("results") or []
    if isinstance(scenarios, dict):
        scenarios = [{"scenario": k, **v} for k, v in scenarios.items() if isinstance(v, dict)]
    rows = []
    for s in scenarios:
        if not isinstance(s, dict):
            continue
        rps = s.get("rps", s.get("req_per_s", s.get("ops_per_s", s.get("throughput"))))
        if rps is None:
            continue
        error_rate = s.get("error_rate")
        if error_rate is None and s.get("requests"):
            error_rate = (s.get("non_2xx", 0) + s.get("socket_errors", 0)) / s["requests"]
        rows.append({
            "benchmark": name, "scenario": s.get("scenario") or s.get("name") or "?", "rps": float(rps),
            "p50_ms": float(s.get("p50_ms", "nan")), "p99_ms": float(s.get("p99_ms", "nan")),
            "error_rate": float("nan") if error_rate is None else float(error_rate),
            "ratio": s.get("ratio"), "ratio_label": s.get("ratio_label"),
        })  # fmt: skip
    return rows


def collect(name: str, result: str, since: float) -> tuple[list[dict], list[tuple[str, float]]]:
    """Rows and benchmark-level ratios of one benchmark, from files written in this run."""
    js, md = RESULTS / f"{result}.json", RESULTS / f"{result}.md"
    fresh = lambda p: p.exists() and p.stat().st_mtime >= since  # noqa: E731
    rows, ratios = [], []
    text = md.read_text() if fresh(md) else ""
    if fresh(js):
        try:
            data = json.loads(js.read_text())
        except ValueError:
            data = {}
        rows = rows_from_json(name, data)
        for key, value in (data.get("ratios") or {}).items() if isinstance(data.get("ratios"), dict) else []:
            if isinstance(value, int | float):
                ratios.append((key, float(value)))
        if isinstance(data.get("ratio"), int | float):
            ratios.append((data.get("ratio_label", "ratio"), float(data["ratio"])))
    if not rows and text:
        window = re.search(r"(\d+(?:\.\d+)?) s\b", text)
        rows = rows_from_markdown(name, text, float(window[1]) if window else None)
    if not ratios and text:
        ratios = ratios_from_markdown(text)
    return rows, ratios


def attach_ratios(name: str, rows: list[dict], ratios: list[tuple[str, float]]) -> None:
    """Show a benchmark-level ratio on the row it measures (server: b; others: the last row)."""
    shown = {r.get("ratio_label") for r in rows if r["benchmark"] == name and r.get("ratio") is not None}
    ratios = [(label, value) for label, value in ratios if label not in shown]  # rows may carry their own
    bench_rows = [r for r in rows if r["benchmark"] == name and r.get("ratio") is None]
    if not bench_rows or not ratios:
        return
    rest = []
    for label, value in ratios:
        # the row the ratio measures: the one named by the ratio's numerator ("login / raw bcrypt")
        numerator = re.split(r"/| vs ", re.sub(r"(?i)\bratio\b", "", label), maxsplit=1)[0].strip(" :*").lower()
        words = [w for w in re.findall(r"[a-z][a-z0-9-]+", numerator) if len(w) > 2]
        match = next((r for r in bench_rows if r.get("ratio") is None and words
                      and all(w in r["scenario"].lower() for w in words)), None)  # fmt: skip
        if match is None and len(ratios) == 1 and name == "server":
            match = bench_rows[-1]  # "Ratio b/a": b is the last row
        if match is None:
            rest.append((label, value))
        else:
            match["ratio"], match["ratio_label"] = value, label
    for label, value in rest:
        nan = float("nan")
        rows.append({"benchmark": name, "scenario": f"({label})", "rps": nan, "p50_ms": nan, "p99_ms": nan,
                     "error_rate": nan, "ratio": value, "ratio_label": label})  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="duration per scenario, passed to each script "
                        "that accepts --seconds")  # fmt: skip
    parser.add_argument("--only", default="", help="comma-separated subset: " + ",".join(n for n, *_ in SUITE))
    args = parser.parse_args(argv)
    wanted = {n for n in args.only.split(",") if n}

    started, t0 = time.time(), time.monotonic()
    facts = machine(server_uri())
    runs, rows = {}, []
    for name, script, result, limit, label in SUITE:
        if wanted and name not in wanted:
            continue
        path = BENCH / script
        if not path.exists():
            runs[name] = {"exit": "missing", "note": f"bench/{script} does not exist yet"}
            print(f"==> {name}: bench/{script} missing, skipped", flush=True)
            continue
        since = time.time() - 1
        runs[name] = run(name, path, limit, args.seconds)
        found, ratios = collect(name, result, since)
        for row in found:
            row.setdefault("ratio_label", None)
        rows += found
        attach_ratios(name, rows, ratios)
        runs[name]["ratio_definition"] = label
        if not found:
            runs[name]["note"] = f"no results parsed from bench/results/{result}.json or .md"

    for row in rows:
        row["error_pct"] = "-" if math.isnan(row["error_rate"]) else f"{100 * row['error_rate']:.2f}"
        row["ratio_text"] = "" if row.get("ratio") is None else f"{row['ratio']:.2f}"
    table = md_table(rows, [("benchmark", "benchmark"), ("scenario", "scenario"), ("rps", "req/s"),
                            ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("error_pct", "errors %"),
                            ("ratio_text", "ratio vs baseline")])  # fmt: skip
    ratio_lines = [
        f"* {row['benchmark']}: {row['ratio']:.2f} ({row.get('ratio_label') or ''})"
        for row in rows
        if row.get("ratio") is not None
    ]
    status_lines = [
        f"* {name}: exit {info['exit']}" + (f", {info['seconds']:.0f} s" if "seconds" in info else "")
        + (f" — {info['note']}" if info.get("note") else "")
        for name, info in runs.items()
    ]  # fmt: skip
    total = time.monotonic() - t0
    report = "\n".join(
        [
            "# Benchmark suite (make bench)",
            "",
            f"Machine: {machine_line(facts)}.",
            f"PostgreSQL: {facts.get('postgresql', '?')}.",
            f"Run: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(started))}, {total:.0f} s in total, "
            f"{args.seconds:g} s per scenario where the script accepts --seconds. Client and server share the "
            f"machine's cores; figures on a busy machine are noisy.",
            "",
            table,
            "",
            "Goals of the performance rounds (issue 14, then issue 21), from the rows above:",
            "",
            *goal_lines(rows),
            "",
            "Ratios against the baselines measured in the same run:",
            "",
            *(ratio_lines or ["* none parsed"]),
            "",
            "Definitions: " + "; ".join(f"{n}: {lbl}" for n, _, _, _, lbl in SUITE) + ".",
            "",
            "Scripts:",
            "",
            *status_lines,
            "",
            "Details: bench/results/<name>.md for each benchmark; what each change of the performance round did, "
            "and why the missed goals are missed: bench/results/notes.md.",
            "",
        ]
    )  # fmt: skip
    print()
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(report)
    payload = {"machine": facts, "started_utc": started, "total_seconds": total, "seconds": args.seconds,
               "runs": runs, "rows": rows}  # fmt: skip
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"wrote {RESULTS / 'latest.md'} and latest.json ({fmt(total, 0)} s)")
    failed = [n for n, info in runs.items() if info["exit"] not in (0, "missing")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

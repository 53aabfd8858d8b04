"""Prints the side-by-side table of benchmarks/startup.sh.

usage: startup_report.py HYPERFINE_JSON RSS_TSV [GOAL_MS GOAL_MIB GOAL_RATIO]

Without the goals it prints only the table (benchmarks/startup-breakdown.sh).

Rows whose name starts with "agent" are ours; "(no plugins)" is a breakdown
row, not held to the goals. The row starting with "python" is the peer the
ratio goal is measured against; "wandb" rows are shown for reference.
"""
import json
import statistics
import sys


def fmt_time(seconds, unit_of=None):
    """Milliseconds below one second, else seconds; unit_of picks the unit of another value."""
    ref = seconds if unit_of is None else unit_of
    return f"{seconds * 1000:.1f} ms" if ref < 1 else f"{seconds:.2f} s"


def fmt_ratio(r):
    return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×"


def main():
    hf_path, rss_path = sys.argv[1:3]

    rows = {}
    for r in json.load(open(hf_path))["results"]:
        rows[r["command"]] = {"mean": r["mean"], "sd": r["stddev"] or 0.0, "median": r["median"], "min": r["min"],
                              "cpu": r["user"] + r["system"],
                              "max": r["max"], "runs": len(r["times"])}
    for line in open(rss_path):
        label, samples = line.rstrip("\n").split("\t")
        kib = [int(s) for s in samples.split()]
        rows[label]["rss"] = statistics.median(kib) / 1024  # MiB
        rows[label]["rss_range"] = (min(kib) / 1024, max(kib) / 1024)

    width = max(len(n) for n in rows)
    print(f"| {'command':<{width}} | wall time (mean ± σ) | median    | min … max           | runs | CPU user+sys | peak RSS (median) |")
    print(f"|{'-' * (width + 2)}|----------------------|-----------|---------------------|------|--------------|-------------------|")
    for n, r in rows.items():
        t = f"{fmt_time(r['mean'])} ± {fmt_time(r['sd'], r['mean'])}"
        mm = f"{fmt_time(r['min'])} … {fmt_time(r['max'])}"
        print(f"| {n:<{width}} | {t:<20} | {fmt_time(r['median']):<9} | {mm:<19} | {r['runs']:>4} | {fmt_time(r['cpu']):>12} | {r['rss']:>13.1f} MiB |")

    if len(sys.argv) < 6:
        return
    goal_ms, goal_mib, goal_ratio = (float(a) for a in sys.argv[3:6])

    ours = [n for n in rows if n.startswith("agent") and "(no plugins)" not in n]
    peer = next(n for n in rows if n.startswith("python"))
    others = [n for n in rows if n.startswith("wandb")]

    print()
    pairs = [(p, o) for p in [peer] + others for o in ours]
    lw = max(len(f"{p}  ÷  {o}") for p, o in pairs)
    print(f"| {'ratio: peer ÷ ours':<{lw}} | time      | peak RSS  |")
    print(f"|{'-' * (lw + 2)}|-----------|-----------|")
    for p, o in pairs:
        label = f"{p}  ÷  {o}"
        tr = rows[p]["mean"] / rows[o]["mean"]
        mr = rows[p]["rss"] / rows[o]["rss"]
        print(f"| {label:<{lw}} | {fmt_ratio(tr):>9} | {fmt_ratio(mr):>9} |")

    print()
    worst_t = max(ours, key=lambda n: rows[n]["mean"])
    worst_m = max(ours, key=lambda n: rows[n]["rss"])
    t_ms = rows[worst_t]["mean"] * 1000
    m_mib = rows[worst_m]["rss"]
    ratio = rows[peer]["mean"] / rows[worst_t]["mean"]

    def verdict(ok):
        return "goal met" if ok else "goal missed"

    med_ms = max(rows[n]["median"] for n in ours) * 1000
    print(f"goal: wall time ≤ {goal_ms:g} ms      → mean {t_ms:.1f} ms ({worst_t}, the slower of ours; "
          f"median {med_ms:.1f} ms): {verdict(t_ms <= goal_ms)}")
    print(f"goal: peak RSS ≤ {goal_mib:g} MiB      → {m_mib:.1f} MiB ({worst_m}, the larger of ours): "
          f"{verdict(m_mib <= goal_mib)}")
    print(f"goal: ≥ {goal_ratio:g}× faster than peer → {ratio:.0f}× (peer import mean / {worst_t} mean): "
          f"{verdict(ratio >= goal_ratio)}")


if __name__ == "__main__":
    main()

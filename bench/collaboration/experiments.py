#!/usr/bin/env python3
"""Collaboration experiments of issue 5, run with the troupe binary.

  experiments.py stragglers  -- (a) 3 of 10 nodes 4x slower: time to a target
                                accuracy for sync, async (FedAsync), buffered (FedBuff)
  experiments.py noniid      -- (b) Dirichlet 0.5 and 2 labels per node, CNN:
                                FedAvg, FedProx, FedAvgM, FedAdam
  experiments.py robust      -- (c) 2 of 10 nodes malicious: FedAvg vs median,
                                trimmed mean, Krum (and the clean run)
  experiments.py scale       -- 10, 100, 1000 embedded nodes: memory per node and
                                per-round overhead
  experiments.py virtual     -- sync, async, buffered on the virtual clock
                                (--clock virtual) under the uniform, stragglers and
                                heavy-tail device profiles: virtual time to a target
                                accuracy, as a ratio to sync's in the same profile

Each prints a Markdown table; the JSON reports go to --out (default
bench-results/collaboration). Options: --troupe PATH (default build/cli/troupe),
--quick (fewer rounds, for a smoke test).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time


REUSE = False


def run(troupe, args, out_json):
    cmd = [troupe, "run", "--quiet", "--out", out_json] + args
    if REUSE and os.path.exists(out_json):
        with open(out_json) as f:
            report = json.load(f)
        if report.get("status") == "ok":
            report["_rss_kb"], report["_wall"] = 0, report.get("wall_s", 0)
            report["_cmd"] = "troupe run " + " ".join(args)
            return report
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M"] + cmd, capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    m = re.search(r"MAXRSS (\d+)", p.stderr)
    with open(out_json) as f:
        report = json.load(f)
    report["_rss_kb"] = int(m.group(1)) if m else 0
    report["_wall"] = wall
    report["_cmd"] = "troupe run " + " ".join(args)
    return report


def eval_times(report):
    """(seconds since the first training task started, accuracy) of each evaluated
    round; set-up (data loading, the same in every mode) is left out."""
    ends = {}
    starts = [t["start_s"] for t in report["tasks"] if t["start_s"] is not None]
    t0 = min(starts) if starts else 0.0
    for t in report["tasks"]:
        if t["kind"] == "evaluate" and t["state"] == "done":
            ends[t["round"]] = t["end_s"] - t0
    return [(ends[r["round"]], r["accuracy"]) for r in report["rounds"] if r["round"] in ends]


def time_to(report, target):
    for t, acc in eval_times(report):
        if acc >= target:
            return t
    return None


def stragglers(a):
    target = a.target
    rounds = 6 if a.quick else 20
    base = ["--model", "mlp", "--nodes", "10", "--rounds", str(rounds), "--slow-nodes", "3",
            "--slow-factor", "4"]
    modes = {
        "sync": ["--mode", "sync"],
        "async (FedAsync, alpha 0.6, poly a=0.5)": ["--mode", "async"],
        "buffered (FedBuff, K=5)": ["--mode", "buffered", "--buffer-size", "5"],
    }
    rows = []
    results = {}
    for rep in range(a.repeats):
        for name, extra in modes.items():
            seed = str(42 + rep)
            r = run(a.troupe, base + extra + ["--seed", seed],
                    os.path.join(a.out, f"stragglers-{rep}-{extra[1]}.json"))
            results.setdefault(name, []).append(r)
    for tgt in (target, a.target2):
        print(f"\n(a) 3 of 10 nodes 4x slower, MLP, target accuracy {tgt}, {a.repeats} seed(s); "
              "seconds from the first training task to the evaluation that first reached it\n")
        print("| mode | time to target (s), per seed | ratio to sync (mean) | final accuracy | "
              "wall (s) |")
        print("|---|---|---|---|---|")
        sync_times = [time_to(r, tgt) for r in results["sync"]]
        for name, rs in results.items():
            times = [time_to(r, tgt) for r in rs]
            ratios = [t / s for t, s in zip(times, sync_times) if t is not None and s]
            ratio = sum(ratios) / len(ratios) if ratios else float("nan")
            fmt = ", ".join("-" if t is None else f"{t:.2f}" for t in times)
            acc = ", ".join(f"{r['final']['accuracy']:.4f}" for r in rs)
            wall = ", ".join(f"{r['wall_s']:.1f}" for r in rs)
            print(f"| {name} | {fmt} | {ratio:.2f} | {acc} | {wall} |")
    print(f"\nCommand: `{results['sync'][0]['_cmd']}` (and --mode async / buffered)")


def virtual(a):
    """Time to accuracy on the virtual clock: deterministic, so one seed per cell."""
    rounds = 6 if a.quick else 20
    base = ["--model", "mlp", "--nodes", "10", "--rounds", str(rounds), "--clock", "virtual",
            "--seed", "42"]
    modes = {
        "sync": ["--mode", "sync"],
        "async": ["--mode", "async"],
        "buffered": ["--mode", "buffered", "--buffer-size", "5"],
    }
    profiles = ["uniform", "stragglers", "heavy-tail"]
    results = {}
    for prof in profiles:
        for name, extra in modes.items():
            results[(prof, name)] = run(a.troupe, base + ["--device-profile", prof] + extra,
                                        os.path.join(a.out, f"virtual-{prof}-{name}.json"))
    for tgt in (a.target, a.target2):
        print(f"\nVirtual clock, MLP, 10 nodes, {rounds} rounds' worth of updates, target accuracy "
              f"{tgt}: virtual seconds from the first training task to the evaluation that first "
              "reached it, and the ratio to sync under the same profile\n")
        print("| profile | sync (s) | async (s) | async / sync | buffered (s) | buffered / sync | "
              "final accuracy sync, async, buffered | real time (s) |")
        print("|---|---|---|---|---|---|---|---|")
        for prof in profiles:
            t = {m: time_to(results[(prof, m)], tgt) for m in modes}
            fmt = {m: "-" if t[m] is None else f"{t[m]:.1f}" for m in modes}

            def ratio(m):
                return "-" if t[m] is None or not t["sync"] else f"{t[m] / t['sync']:.2f}"

            acc = ", ".join(f"{results[(prof, m)]['final']['accuracy']:.4f}" for m in modes)
            real = ", ".join(f"{results[(prof, m)]['clock']['real_s']:.1f}" for m in modes)
            print(f"| {prof} | {fmt['sync']} | {fmt['async']} | {ratio('async')} | "
                  f"{fmt['buffered']} | {ratio('buffered')} | {acc} | {real} |")
    print(f"\nCommand: `{results[('stragglers', 'sync')]['_cmd']}` (and the other profiles "
          "and modes)")


def noniid(a):
    rounds = 2 if a.quick else a.rounds
    epochs = a.local_epochs
    base = ["--model", "cnn", "--nodes", "10", "--rounds", str(rounds), "--local-epochs",
            str(epochs)]
    if a.quick:
        base += ["--train-limit", "6000", "--test-limit", "2000"]
    parts = {"Dirichlet 0.5": ["--partition", "dirichlet", "--alpha", "0.5"],
             "2 labels per node": ["--partition", "labels", "--labels-per-node", "2"]}
    strategies = {
        "FedAvg": ["--strategy", "fedavg"],
        "FedProx (mu 0.01)": ["--strategy", "fedprox", "--prox-mu", "0.01"],
        "FedAvgM (server lr 1, momentum 0.5)": ["--strategy", "fedavgm", "--server-momentum", "0.5"],
        "FedAdam (server lr 0.01, tau 1e-3)": ["--strategy", "fedadam", "--server-lr", "0.01"],
    }
    published = {"Dirichlet 0.5": 0.881, "2 labels per node": 0.781}
    print(f"\n(b) non-IID Fashion-MNIST, CNN, 10 nodes, {rounds} rounds x {epochs} local epoch(s), "
          "SGD lr 0.05 batch 32\n")
    print("| partition | strategy | final accuracy | best round accuracy | published FedAvg "
          "(50 rounds x 10 epochs) | wall (s) |")
    print("|---|---|---|---|---|---|")
    for pname, pargs in parts.items():
        for sname, sargs in strategies.items():
            tag = re.sub(r"[^a-z0-9]+", "-", (pname + "-" + sname).lower())
            r = run(a.troupe, base + pargs + sargs, os.path.join(a.out, f"noniid-{tag}.json"))
            best = max(x["accuracy"] for x in r["rounds"])
            print(f"| {pname} | {sname} | {r['final']['accuracy']:.4f} | {best:.4f} | "
                  f"{published[pname]:.3f} | {r['wall_s']:.0f} |", flush=True)
    print(f"\nCommand: `troupe run {' '.join(base)} --partition ... --strategy ...`")


def robust(a):
    rounds = 3 if a.quick else 10
    base = ["--model", "mlp", "--nodes", "10", "--rounds", str(rounds)]
    attack = ["--malicious", "2", "--attack", a.attack, "--attack-scale", str(a.attack_scale)]
    runs = [("clean run, FedAvg", ["--strategy", "fedavg"]),
            ("FedAvg", attack + ["--strategy", "fedavg"]),
            ("coordinate-wise median", attack + ["--strategy", "median"]),
            ("trimmed mean (0.2)", attack + ["--strategy", "trimmed-mean", "--trim-fraction", "0.2"]),
            ("Krum (f = 2)", attack + ["--strategy", "krum", "--byzantine", "2"]),
            ("Multi-Krum (f = 2, m = 6)",
             attack + ["--strategy", "multi-krum", "--byzantine", "2", "--multi-krum", "6"])]
    print(f"\n(c) 2 of 10 nodes send {a.attack} updates (factor {a.attack_scale}), MLP, "
          f"{rounds} rounds\n")
    print("| strategy | final accuracy | points below the clean run |")
    print("|---|---|---|")
    clean = None
    for name, extra in runs:
        tag = re.sub(r"[^a-z0-9]+", "-", name.lower())
        r = run(a.troupe, base + extra, os.path.join(a.out, f"robust-{tag}.json"))
        acc = r["final"]["accuracy"]
        if clean is None:
            clean = acc
        print(f"| {name} | {acc:.4f} | {100 * (clean - acc):.1f} |", flush=True)
    print(f"\nCommand: `troupe run {' '.join(base + attack)} --strategy NAME`")


def scale(a):
    rounds = 3 if a.quick else 6
    print(f"\nEmbedded scale: MLP, all 60,000 training examples split over N nodes, "
          f"{rounds} rounds\n")
    print("| nodes | examples per node | peak RSS (MiB) | RSS per extra node vs 10 (MiB) | "
          "mean round (s, rounds 2..) | training+evaluation busy per round / 2 cores (s) | "
          "overhead per round (s) |")
    print("|---|---|---|---|---|---|---|")
    base_rss = None
    for n in (10, 100, 1000):
        r = run(a.troupe, ["--model", "mlp", "--nodes", str(n), "--rounds", str(rounds)],
                os.path.join(a.out, f"scale-{n}.json"))
        rss = r["_rss_kb"] / 1024
        if base_rss is None:
            base_rss = rss
        per_node = (rss - base_rss) / (n - 10) if n > 10 else float("nan")
        later = [x for x in r["rounds"] if x["round"] >= 2]
        mean_round = sum(x["seconds"] for x in later) / len(later)
        busy = {}
        for t in r["tasks"]:
            if t["state"] == "done" and t["round"] >= 2:
                busy[t["round"]] = busy.get(t["round"], 0.0) + (t["end_s"] - t["start_s"])
        compute = sum(busy.values()) / len(busy) / 2
        print(f"| {n} | {60000 // n} | {rss:.0f} | {per_node:.2f} | {mean_round:.2f} | "
              f"{compute:.2f} | {mean_round - compute:.2f} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("experiment", choices=["stragglers", "noniid", "robust", "scale", "virtual"])
    ap.add_argument("--troupe", default="build/cli/troupe")
    ap.add_argument("--out", default="bench-results/collaboration")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--target", type=float, default=0.84)
    ap.add_argument("--target2", type=float, default=0.86)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--local-epochs", type=int, default=2)
    ap.add_argument("--attack", default="signflip")
    ap.add_argument("--attack-scale", type=float, default=4.0)
    ap.add_argument("--reuse", action="store_true",
                    help="reuse successful JSON reports already in --out")
    a = ap.parse_args()
    global REUSE
    REUSE = a.reuse
    os.makedirs(a.out, exist_ok=True)
    {"stragglers": stragglers, "noniid": noniid, "robust": robust, "scale": scale,
     "virtual": virtual}[a.experiment](a)


if __name__ == "__main__":
    main()

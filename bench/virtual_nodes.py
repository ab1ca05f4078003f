#!/usr/bin/env python3
"""Embedded virtual nodes: memory per node and round time as the node count grows.

Runs `troupe run` on the embedded cluster at each node count, every node with its
own seeded sample of --examples-per-node examples and --clients-per-round of them
sampled each round (full Fashion-MNIST test set), and reports each run's peak RSS
(from wait4) and round times. The cost of a node is measured against the smallest
count's run, in the same invocation: (peak_N - peak_base) / (N - base). Every run
trains the same number of nodes per round (so the smallest count should be at
least SAMPLED): what grows with N is the nodes that wait to be sampled.

Usage: bench/virtual_nodes.py [BUILD_DIR] [N...]
       (defaults: build, 1000 5000 10000; environment: ROUNDS=2 EXAMPLES=32 SAMPLED=100,
       MODEL=mlp|cnn for another model than `troupe run`'s default)

Every node active (SAMPLED at least the largest N): the peak also holds every node's
update at the aggregator, and KB/node against the smallest run is the cost of one more
training node. Total peak / N is printed too: the whole process per node.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run(troupe, nodes, rounds, examples, sampled, work, model):
    out = os.path.join(work, f"report-{nodes}.json")
    cmd = [troupe, "run", "--nodes", str(nodes), "--examples-per-node", str(examples),
           "--clients-per-round", str(min(sampled, nodes)), "--rounds", str(rounds),
           "--out", out, "--quiet"]
    if model:
        cmd += ["--model", model]
    began = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - began
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"troupe run --nodes {nodes} failed ({status}): {err.strip()[-400:]}")
    with open(out) as f:
        report = json.load(f)
    rounds_s = [r["seconds"] for r in report["rounds"]]
    return {
        "nodes": nodes,
        "peak_mb": usage.ru_maxrss / 1024.0,  # ru_maxrss is in KiB on Linux
        "first_round_s": rounds_s[0],
        "median_round_s": statistics.median(rounds_s),
        "accuracy": report["rounds"][-1]["accuracy"],
        "wall_s": wall,
    }


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    sizes = [int(n) for n in sys.argv[2:]] or [1000, 5000, 10000]
    rounds = int(os.environ.get("ROUNDS", "2"))
    examples = int(os.environ.get("EXAMPLES", "32"))
    sampled = int(os.environ.get("SAMPLED", "100"))
    model = os.environ.get("MODEL", "")
    troupe = os.path.join(build, "cli", "troupe")
    with tempfile.TemporaryDirectory(prefix="troupe-virtual-") as work:
        rows = [run(troupe, n, rounds, examples, sampled, work, model) for n in sorted(sizes)]
    base = rows[0]
    print(f"embedded, {model or 'default model'}, {examples} examples per node, "
          f"{sampled} sampled per round, {rounds} rounds")
    print(f"{'nodes':>8} {'peak MB':>9} {'KB/node':>9} {'peak/N KB':>10} {'round 1 s':>10} "
          f"{'median s':>9} {'accuracy':>9} {'wall s':>7}")
    for r in rows:
        extra = r["nodes"] - base["nodes"]
        per_node = (r["peak_mb"] - base["peak_mb"]) * 1024.0 / extra if extra else float("nan")
        whole = r["peak_mb"] * 1024.0 / r["nodes"]
        print(f"{r['nodes']:>8} {r['peak_mb']:>9.0f} {per_node:>9.0f} {whole:>10.0f} "
              f"{r['first_round_s']:>10.2f} "
              f"{r['median_round_s']:>9.2f} {r['accuracy']:>9.4f} {r['wall_s']:>7.1f}")
    print(f"KB/node: peak RSS above the {base['nodes']}-node run's, per extra node")


if __name__ == "__main__":
    main()

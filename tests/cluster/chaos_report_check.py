#!/usr/bin/env python3
"""Checks a disturbed sync job's JSON report and checkpoint (tests/cluster/chaos_harsh_netns_test.sh).

Nothing may be lost: every round is recorded once, in order, with an update
from every shard; every task is done, or failed with a reason and reassigned
(same round, shard and kind); the final model is bit for bit the undisturbed
one; the checkpoint file is whole (troupe's header, CRC-32 of its payload).

Usage: chaos_report_check.py NAME REPORT UNDISTURBED_REPORT CHECKPOINT ROUNDS SHARDS
Exit 0 when every check holds, else 1 with one line per problem.
"""
import json
import struct
import sys
import zlib


def check_report(report, undisturbed, rounds, shards):
    problems = []
    if report["status"] != "ok":
        problems.append(f"status {report['status']}: {report['error']}")
    got = [r["round"] for r in report["rounds"]]
    if got != list(range(1, rounds + 1)):
        problems.append(f"rounds recorded {got}, not 1..{rounds}")
    for r in report["rounds"]:
        if r["updates"] != shards:
            problems.append(f"round {r['round']} has {r['updates']} updates, not {shards}")
    by_id = {t["id"]: t for t in report["tasks"]}
    replaced = {t["reassigned_from"] for t in report["tasks"] if t["reassigned_from"] is not None}
    for t in report["tasks"]:
        if t["state"] not in ("done", "failed"):
            problems.append(f"task {t['id']} is {t['state']}, neither done nor failed")
        elif t["state"] == "failed":
            if not t["error"]:
                problems.append(f"task {t['id']} failed without a reason")
            if t["id"] not in replaced:
                problems.append(f"failed task {t['id']} ({t['error']}) was not reassigned")
        if t["reassigned_from"] is not None:
            old = by_id.get(t["reassigned_from"])
            if old is None or (old["round"], old["shard"], old["kind"]) != (
                    t["round"], t["shard"], t["kind"]):
                problems.append(f"task {t['id']} replaces task {t['reassigned_from']}, "
                                "not one of its round, shard and kind")
    trained = {(t["round"], t["shard"]) for t in report["tasks"]
               if t["kind"] == "train" and t["state"] == "done"}
    if len(trained) != rounds * shards:
        problems.append(f"{len(trained)} (round, shard) pairs trained, not {rounds * shards}")
    mine = report["final"]["model_fingerprint"]
    theirs = undisturbed["final"]["model_fingerprint"]
    if mine != theirs:
        problems.append(f"final model {mine}, undisturbed {theirs}")
    for t in report["tasks"]:
        if t["state"] == "failed":
            print(f"  task {t['id']} (round {t['round']}, shard {t['shard']}, {t['kind']}) "
                  f"on {t['node']}: {t['error']}")
    return problems


def check_checkpoint(path):
    """troupe's checkpoint header (runtime/io/checkpoint.hpp) and its payload's CRC-32."""
    try:
        data = open(path, "rb").read()
    except OSError as e:
        return [f"no checkpoint: {e}"]
    if len(data) < 32 or data[:8] != b"TRPCKPT1":
        return [f"{path} is not a troupe checkpoint"]
    size, crc = struct.unpack_from("<QI", data, 16)
    payload = data[32:]
    if len(payload) != size or zlib.crc32(payload) != crc:
        return [f"{path} is torn: {len(payload)} of {size} bytes, or its CRC-32 differs"]
    return []


def main():
    name, report, undisturbed, checkpoint = sys.argv[1:5]
    rounds, shards = int(sys.argv[5]), int(sys.argv[6])
    report = json.load(open(report))
    problems = check_report(report, json.load(open(undisturbed)), rounds, shards)
    problems += check_checkpoint(checkpoint)
    failed = sum(t["state"] == "failed" for t in report["tasks"])
    print(f"{name}: {len(report['tasks'])} tasks, {failed} failed and reassigned; final "
          f"{report['final']['model_fingerprint']} accuracy {report['final']['accuracy']}, "
          f"wall {report['wall_s']:.1f} s")
    for p in problems:
        print(f"{name}: FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

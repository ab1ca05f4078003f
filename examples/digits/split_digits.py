#!/usr/bin/python3
"""Splits the handwritten digits that Debian's python3-sklearn ships
(sklearn/datasets/data/digits.csv.gz: 1,797 examples of 8x8 pixels, 64
features in 0..16, the label last) into node-local CSV files.

Usage: split_digits.py OUT_DIR [--seed N] [--test-fraction F]

Writes, each with a header row (p0..p63,label) and features scaled to [0, 1]:
  OUT_DIR/test.csv          the job owner's held-out set (stratified)
  OUT_DIR/train-all.csv     every training example (the central baseline's data)
  OUT_DIR/node-a.csv        about 15 % of the training examples, mostly digits 0-4
  OUT_DIR/node-b.csv        about 30 %, mostly digits 5-9
  OUT_DIR/node-c.csv        the rest (about 55 %), a milder mix
and prints each file's size and label histogram.
"""
import argparse
import gzip
import os
import sys

import numpy as np
import sklearn.datasets

# Share of each label's training examples per node: rows are nodes a, b, c;
# columns digits 0-9. Chosen so that the nodes differ in size and label mix.
SHARES = np.array([
    [0.25] * 5 + [0.05] * 5,
    [0.15] * 5 + [0.45] * 5,
    [0.60] * 5 + [0.50] * 5,
])
NODES = ["node-a", "node-b", "node-c"]


def load_digits_csv():
    path = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data", "digits.csv.gz")
    if not os.path.exists(path):
        sys.exit(f"split_digits: {path} not found (apt-get install python3-sklearn)")
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    x, y = data[:, :-1] / 16.0, data[:, -1].astype(np.int64)
    return x.astype(np.float32), y


def write_csv(path, x, y):
    header = ",".join([f"p{i}" for i in range(x.shape[1])] + ["label"])
    rows = np.concatenate([x, y[:, None].astype(np.float32)], axis=1)
    fmt = ["%.4f"] * x.shape[1] + ["%d"]
    np.savetxt(path, rows, delimiter=",", header=header, comments="", fmt=fmt)
    hist = np.bincount(y, minlength=10)
    print(f"  {os.path.basename(path):14s} {len(y):5d} examples, labels {hist.tolist()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--test-fraction", type=float, default=0.2)
    args = ap.parse_args()
    if not 0.0 < args.test_fraction < 1.0:
        sys.exit("split_digits: --test-fraction must be in (0, 1)")
    os.makedirs(args.out_dir, exist_ok=True)
    x, y = load_digits_csv()
    rng = np.random.default_rng(args.seed)
    test_idx, node_idx = [], [[] for _ in NODES]
    for label in range(10):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(args.test_fraction * len(idx)))
        test_idx.extend(idx[:n_test])
        rest = idx[n_test:]
        cuts = np.round(np.cumsum(SHARES[:, label]) * len(rest)).astype(int)
        for node, (lo, hi) in enumerate(zip(np.r_[0, cuts[:-1]], cuts)):
            node_idx[node].extend(rest[lo:hi])
    print(f"split_digits: {len(y)} examples into {args.out_dir}")
    test_idx = rng.permutation(test_idx)
    write_csv(os.path.join(args.out_dir, "test.csv"), x[test_idx], y[test_idx])
    all_train = rng.permutation(np.concatenate(node_idx))
    write_csv(os.path.join(args.out_dir, "train-all.csv"), x[all_train], y[all_train])
    for name, idx in zip(NODES, node_idx):
        idx = rng.permutation(idx)
        write_csv(os.path.join(args.out_dir, f"{name}.csv"), x[idx], y[idx])


if __name__ == "__main__":
    main()

"""The same local-training loop as troupe's models::LocalTrainer, in PyTorch's
Python API: per epoch, permute the examples into a reused buffer, slice
mini-batches, SGD. Usage: train_throughput.py THREADS BATCH SAMPLES EPOCHS DATA_DIR
Prints "python <model> <samples/s> <minor page faults per step>" per model."""
import gzip
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(data_dir, n):
    with gzip.open(f"{data_dir}/train-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(f"{data_dir}/train-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n]
    x = (torch.from_numpy(images.copy()).float() / 255.0 - 0.2860) / 0.3530
    return x, torch.from_numpy(labels.astype(np.int64))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.view(x.size(0), 784))))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5)
        self.conv2 = nn.Conv2d(32, 64, 5)
        self.fc1 = nn.Linear(64 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.view(x.size(0), 1024))))


def train(net, x, y, batch, steps=None, epochs=1):
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.0)
    n = x.size(0)
    ex, ey = torch.empty_like(x), torch.empty_like(y)
    seen, step = 0, 0
    total = steps if steps else epochs * ((n + batch - 1) // batch)
    while step < total:
        perm = torch.randperm(n)
        torch.index_select(x, 0, perm, out=ex)
        torch.index_select(y, 0, perm, out=ey)
        for b in range(0, n, batch):
            if step >= total:
                break
            xb, yb = ex[b:b + batch], ey[b:b + batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            seen += xb.size(0)
            step += 1
    return seen, step


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def main():
    threads, batch, samples, epochs, data_dir = sys.argv[1:6]
    torch.set_num_threads(int(threads))
    torch.manual_seed(1)
    x, y = load(data_dir, int(samples))
    for name, cls in (("mlp", Mlp), ("cnn", Cnn)):
        net = cls()
        train(net, x, y, int(batch), steps=20)
        faults = minor_faults()
        start = time.perf_counter()
        seen, steps = train(net, x, y, int(batch), epochs=int(epochs))
        elapsed = time.perf_counter() - start
        per_step = (minor_faults() - faults) / max(1, steps)
        print(f"python {name} {seen / elapsed:.1f} {per_step:.2f}", flush=True)


if __name__ == "__main__":
    main()

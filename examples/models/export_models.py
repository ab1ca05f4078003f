#!/usr/bin/python3
"""Writes three TorchScript models troupe can train with --model-file.

Usage: examples/models/export_models.py DIR
  DIR/mlp28.pt  784-128-10 MLP for 28x28 images (the built-in --model mlp's layers)
  DIR/cnn28.pt  two 5x5 convolutions (32, 64), 1024-128-10 (the built-in --model cnn's layers)
  DIR/mlp64.pt  64-64-10 MLP for 64 float features (the scikit-learn digits)

Needs Debian's python3-torch (run with /usr/bin/python3). A model troupe trains
takes a float32 batch [batch, *example shape] and returns logits [batch, classes];
its parameters and floating-point buffers are what the nodes average.
"""
import os
import sys

import torch
from torch import nn

# Fixed so that the same command writes the same files.
SEED = 42


class Mlp28(nn.Module):
    """Like troupe's built-in MLP (models/networks.cpp): fc1 784->128, ReLU, fc2 128->10."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.reshape(x.size(0), 784)
        return self.fc2(torch.relu(self.fc1(x)))


class Cnn28(nn.Module):
    """Like troupe's built-in CNN: conv 1->32 (5x5), pool, conv 32->64 (5x5), pool, 1024-128-10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5)
        self.fc1 = nn.Linear(64 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)  # 32 x 12 x 12
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)  # 64 x 4 x 4
        x = x.reshape(x.size(0), 64 * 4 * 4)
        return self.fc2(torch.relu(self.fc1(x)))


class Mlp64(nn.Module):
    """64 features (8x8 digits, values 0..16) -> 64 hidden -> 10 classes."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.reshape(x.size(0), 64)
        return self.fc2(torch.relu(self.fc1(x)))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name, make in (("mlp28", Mlp28), ("cnn28", Cnn28), ("mlp64", Mlp64)):
        torch.manual_seed(SEED)
        module = torch.jit.script(make())
        path = os.path.join(out_dir, name + ".pt")
        torch.jit.save(module, path)
        print(path)


if __name__ == "__main__":
    main()

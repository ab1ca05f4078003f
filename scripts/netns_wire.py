#!/usr/bin/env python3
"""A lossy, slow Ethernet wire between two tap devices: netem in user space.

scripts/netns_lib.sh (netns_impair) uses it where the kernel has no sch_netem
(`tc qdisc add ... netem` fails with "Specified qdisc kind is unknown", as on
these VMs' kernels, which ship without modules). It creates the tap devices
HOST_TAP and SWITCH_TAP in the current network namespace and prints "ready";
the caller then moves them into the host's and the switch's namespaces (a tap
device keeps its file descriptor when it moves). Frames from HOST_TAP to
SWITCH_TAP (the host's egress, where `tc ... netem` on the host's interface
would act) are dropped with probability LOSS and the others delivered DELAY
seconds later, in order; frames the other way pass untouched. The devices go
away when this process ends.

Usage: netns_wire.py HOST_TAP SWITCH_TAP --loss 0.3 --delay 0.2 [--seed N]
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000  # frames without the 4-byte packet-information prefix


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host_tap")
    parser.add_argument("switch_tap")
    parser.add_argument("--loss", type=float, default=0.0, help="drop probability, host egress")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds, host egress")
    parser.add_argument("--seed", type=int, default=1, help="seeds the drops (reproducible runs)")
    args = parser.parse_args()
    host, switch = open_tap(args.host_tap), open_tap(args.switch_tap)
    rng = random.Random(args.seed)
    due = []  # (time, sequence number, frame): the host's frames still on the wire
    seq = 0
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        while due and due[0][0] <= now:
            try:
                os.write(switch, heapq.heappop(due)[2])
            except OSError:
                pass  # the switch side is down (its link flapped): the frame is lost
        timeout = max(0.0, due[0][0] - now) if due else None
        readable, _, _ = select.select([host, switch], [], [], timeout)
        for fd in readable:
            try:
                frame = os.read(fd, 65536)
            except OSError:
                continue  # a device that is down has nothing to read
            if fd == switch:
                try:
                    os.write(host, frame)
                except OSError:
                    pass
            elif rng.random() >= args.loss:
                seq += 1
                heapq.heappush(due, (time.monotonic() + args.delay, seq, frame))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)

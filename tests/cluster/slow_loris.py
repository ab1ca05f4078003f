#!/usr/bin/env python3
"""A slow-loris client for troupe's guarded port (tests/cluster/chaos_harsh_netns_test.sh).

Opens CONNECTIONS connections to HOST:PORT and keeps them busy without ever
finishing a message: every INTERVAL seconds each one gets one more byte. Half
of them dribble a BASP header (32 bytes, so the header itself never
completes), the other half send a whole header announcing a 1 MiB payload and
then dribble that payload. A connection the server closes is opened again, as
a real attacker would. Prints "holding N connections" after each pass: those
that survived since the pass before.

Usage: slow_loris.py HOST PORT [--connections N] [--interval S]
"""
import argparse
import socket
import struct
import sys
import time

HEADER = 32  # BASP header bytes (net/message_guard.hpp)
PAYLOAD = 1 << 20


def header(payload_len):
    # The guard reads only the length (bytes 4..7, big-endian); the rest is noise.
    return b"\x01\x00\x00\x00" + struct.pack(">I", payload_len) + b"\x00" * (HEADER - 8)


class Loris:
    def __init__(self, host, port, announce):
        self.host, self.port, self.announce = host, port, announce
        self.sock, self.sent = None, 0

    def open(self):
        try:
            self.sock = socket.create_connection((self.host, self.port), timeout=2)
            self.sock.setblocking(False)
            self.sent = 0
            if self.announce:  # a whole header, then the payload byte by byte
                self.sock.send(header(PAYLOAD))
        except OSError:
            self.sock = None

    def closed(self):
        """Whether the server closed the connection (what it sent is read and dropped)."""
        try:
            return self.sock.recv(65536) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def dribble(self):
        """One more byte: "held" (the connection survived since the last
        pass), "closed" (the server closed it) or "opened" (again)."""
        if self.sock is None:
            self.open()
            return "opened"
        if self.closed():
            self.sock.close()
            self.sock = None
            return "closed"
        try:
            self.sock.send(b"\x00" if self.announce else header(0)[self.sent % HEADER:][:1])
            self.sent += 1
            return "held"
        except OSError:
            self.sock.close()
            self.sock = None
            return "closed"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--connections", type=int, default=1200)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    lorises = [Loris(args.host, args.port, announce=i % 2 == 1) for i in range(args.connections)]
    for loris in lorises:
        loris.open()
    closed = 0
    while True:
        outcomes = [loris.dribble() for loris in lorises]
        closed += outcomes.count("closed")
        print(f"holding {outcomes.count('held')} connections open since the last pass "
              f"({closed} closed by the server so far)", flush=True)
        time.sleep(args.interval)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)

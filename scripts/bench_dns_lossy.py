#!/usr/bin/env python3
"""A UDP DNS forwarder that loses a share of the queries it is given, as a resolver on a lossy
path does (issue 24: the machine's resolver lost about 2% of UDP queries). Queries that are not
dropped go to the upstream server and its replies come back unchanged.

Usage: bench_dns_lossy.py LISTEN_PORT UPSTREAM_PORT DROP_PERCENT [SEED]

With BENCH_DNS_LOSSY_LOG=FILE, each query that repeats a dropped one (same name and type) appends
"name type delay_ms" to FILE: the resolver's retransmission delay as the network sees it.
"""
import os
import random
import selectors
import socket
import sys
import time


def question(data):
    """(name, type) of a query's first question, or None when it does not parse."""
    try:
        labels, i = [], 12
        while data[i]:
            labels.append(data[i + 1:i + 1 + data[i]].decode("ascii", "replace").lower())
            i += 1 + data[i]
        return ".".join(labels), int.from_bytes(data[i + 1:i + 3], "big")
    except IndexError:
        return None


class Forwarder:
    """One socket towards the clients, one towards the upstream server: each forwarded query gets
    an ID of the forwarder's own (the client's put back on the reply), so replies find their
    client without a socket per query. (The first version opened an asyncio endpoint and a task
    per query; on two cores its CPU, shared with the server under test, cost more than the lost
    packets did.)"""

    def __init__(self, listen, upstream, drop, rng):
        self.drop, self.rng = drop, rng
        self.dropped = self.forwarded = 0
        self.log = os.environ.get("BENCH_DNS_LOSSY_LOG")
        self.lost = {}  # question -> time of its last dropped query
        self.clients = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.clients.bind(("127.0.0.1", listen))
        self.upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.upstream.connect(("127.0.0.1", upstream))
        self.pending = {}  # forwarder's ID -> (client address, client's ID bytes, time sent)
        self.next_id = 0

    def note(self, data, dropped):
        key = question(data) if self.log else None
        if key is None:
            return
        now = time.monotonic()
        if key in self.lost:
            with open(self.log, "a") as out:
                out.write(f"{key[0]} {key[1]} {(now - self.lost.pop(key)) * 1000:.1f}\n")
        if dropped:
            self.lost[key] = now

    def query(self):
        data, client = self.clients.recvfrom(65535)
        if len(data) < 12:
            return
        dropped = self.rng.random() * 100 < self.drop
        self.note(data, dropped)
        if dropped:
            self.dropped += 1
            return
        self.forwarded += 1
        for _ in range(65536):
            self.next_id = (self.next_id + 1) & 0xFFFF
            if self.next_id not in self.pending:
                break
        self.pending[self.next_id] = (client, data[:2], time.monotonic())
        self.upstream.send(self.next_id.to_bytes(2, "big") + data[2:])

    def reply(self):
        answer = self.upstream.recv(65535)
        entry = self.pending.pop(int.from_bytes(answer[:2], "big"), None) if len(answer) >= 12 else None
        if entry is not None:
            self.clients.sendto(entry[1] + answer[2:], entry[0])

    def expire(self):
        """Queries the upstream never answered (after 5 s, as the first version waited)."""
        cutoff = time.monotonic() - 5
        for key in [k for k, (_, _, sent) in self.pending.items() if sent < cutoff]:
            del self.pending[key]

    def serve(self):
        selector = selectors.DefaultSelector()
        selector.register(self.clients, selectors.EVENT_READ, self.query)
        selector.register(self.upstream, selectors.EVENT_READ, self.reply)
        last = time.monotonic()
        while True:
            for key, _ in selector.select(1.0):
                key.data()
            if time.monotonic() - last > 1:
                self.expire()
                last = time.monotonic()


def main():
    listen, upstream, drop = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    Forwarder(listen, upstream, drop, rng).serve()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A UDP DNS forwarder that loses a share of the queries it is given, as a resolver on a lossy
path does (issue 24: the machine's resolver lost about 2% of UDP queries). Queries that are not
dropped go to the upstream server and its replies come back unchanged.

Usage: bench_dns_lossy.py LISTEN_PORT UPSTREAM_PORT DROP_PERCENT [SEED]

With BENCH_DNS_LOSSY_LOG=FILE, each query that repeats a dropped one (same name and type) appends
"name type delay_ms" to FILE: the resolver's retransmission delay as the network sees it.
"""
import asyncio
import os
import random
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


class Forwarder(asyncio.DatagramProtocol):
    def __init__(self, upstream, drop, rng):
        self.upstream, self.drop, self.rng = upstream, drop, rng
        self.dropped = self.forwarded = 0
        self.log = os.environ.get("BENCH_DNS_LOSSY_LOG")
        self.lost = {}  # question -> time of its last dropped query

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

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, client):
        dropped = self.rng.random() * 100 < self.drop
        self.note(data, dropped)
        if dropped:
            self.dropped += 1
            return
        self.forwarded += 1
        loop = asyncio.get_running_loop()
        # One upstream socket per query: the reply goes back to the client it belongs to.
        loop.create_task(self.relay(data, client))

    async def relay(self, data, client):
        loop = asyncio.get_running_loop()
        reply = loop.create_future()

        class Upstream(asyncio.DatagramProtocol):
            def datagram_received(self, answer, _):
                if not reply.done():
                    reply.set_result(answer)

        transport, _ = await loop.create_datagram_endpoint(Upstream, remote_addr=("127.0.0.1", self.upstream))
        try:
            transport.sendto(data)
            self.transport.sendto(await asyncio.wait_for(reply, 5), client)
        except asyncio.TimeoutError:
            pass
        finally:
            transport.close()


async def main():
    listen, upstream, drop = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Forwarder(upstream, drop, rng), local_addr=("127.0.0.1", listen))
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())

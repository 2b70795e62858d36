#!/usr/bin/env python3
"""A UDP DNS forwarder that loses a share of the queries it is given, as a resolver on a lossy
path does (issue 24: the machine's resolver lost about 2% of UDP queries). Queries that are not
dropped go to the upstream server and its replies come back unchanged.

Usage: bench_dns_lossy.py LISTEN_PORT UPSTREAM_PORT DROP_PERCENT [SEED]
"""
import asyncio
import random
import sys


class Forwarder(asyncio.DatagramProtocol):
    def __init__(self, upstream, drop, rng):
        self.upstream, self.drop, self.rng = upstream, drop, rng
        self.dropped = self.forwarded = 0

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, client):
        if self.rng.random() * 100 < self.drop:
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

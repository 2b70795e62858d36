#!/usr/bin/env python3
"""A loopback DNS server for load tests: every name is NXDOMAIN, with an SOA so resolvers cache
the answer (RFC 2308). Keeps SPF checks during a benchmark off the internet.

Usage: bench_dns_nxdomain.py PORT   (needs dnspython)
"""
import socket
import sys

import dns.message
import dns.rcode
import dns.rrset


def main():
    port = int(sys.argv[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    soa = dns.rrset.from_text("invalid.", 3600, "IN", "SOA", "ns.invalid. hostmaster.invalid. 1 3600 600 86400 3600")
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            query = dns.message.from_wire(data)
        except Exception:
            continue
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.NXDOMAIN)
        response.authority.append(soa)
        sock.sendto(response.to_wire(), peer)


if __name__ == "__main__":
    main()

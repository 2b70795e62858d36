#!/usr/bin/env python3
"""A loopback DNS server for the SMTP benchmark: publishes a sender domain's SPF, DKIM key and
DMARC records, so that a benchmark message passes SPF (RFC 7208), DKIM (RFC 6376) and DMARC
(RFC 9989) with every lookup answered and cached like a real resolver's. Every other name is
NXDOMAIN with an SOA (cached per RFC 2308), including reverse lookups of 127.0.0.1.

Usage: bench_dns_zone.py PORT DOMAIN SELECTOR PUBLIC_KEY_BASE64 [COUNT_FILE]   (needs dnspython)
With COUNT_FILE, the number of queries answered so far is written there after each one (how
well the server's DNS cache works: queries per message).
"""
import socket
import sys

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


def txt(name: str, value: str) -> dns.rrset.RRset:
    # A TXT record's strings are at most 255 octets each (RFC 1035 §3.3.14); DKIM and SPF
    # concatenate them (RFC 6376 §3.6.2.2, RFC 7208 §3.3).
    chunks = [value[i:i + 255] for i in range(0, len(value), 255)]
    text = " ".join('"' + c + '"' for c in chunks)
    return dns.rrset.from_text(name, 3600, "IN", "TXT", text)


def main():
    port, domain, selector, key = int(sys.argv[1]), sys.argv[2].rstrip("."), sys.argv[3], sys.argv[4]
    count_file = sys.argv[5] if len(sys.argv) > 5 else None
    answered = 0
    records = {
        (domain + ".", dns.rdatatype.TXT): txt(domain + ".", "v=spf1 ip4:127.0.0.0/8 -all"),
        (f"_dmarc.{domain}.", dns.rdatatype.TXT): txt(f"_dmarc.{domain}.", "v=DMARC1; p=reject; adkim=r; aspf=r"),
        (f"{selector}._domainkey.{domain}.", dns.rdatatype.TXT):
            txt(f"{selector}._domainkey.{domain}.", f"v=DKIM1; k=rsa; p={key}"),
    }
    names = {n for (n, _) in records}
    soa = dns.rrset.from_text("invalid.", 3600, "IN", "SOA", "ns.invalid. hostmaster.invalid. 1 3600 600 86400 3600")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            query = dns.message.from_wire(data)
            question = query.question[0]
        except Exception:
            continue
        response = dns.message.make_response(query)
        name = question.name.to_text().lower()
        answer = records.get((name, question.rdtype))
        if answer is not None:
            response.answer.append(answer)
        else:
            # NODATA for a known name with another type, NXDOMAIN otherwise; both with an SOA.
            if name not in names:
                response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(soa)
        wire = response.to_wire(max_size=65535)
        if len(wire) > (query.payload if query.edns >= 0 else 512):
            response = dns.message.make_response(query)
            response.flags |= dns.flags.TC
            wire = response.to_wire()
        sock.sendto(wire, peer)
        if count_file:
            answered += 1
            with open(count_file, "w") as f:
                f.write(f"{answered}\n")


if __name__ == "__main__":
    main()

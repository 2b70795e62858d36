#!/usr/bin/env python3
"""Writes the SMTP benchmark's message: a text/plain message of about SIZE octets from
load@DOMAIN, DKIM-signed (RFC 6376, rsa-sha256, relaxed/relaxed) with a fresh 2048-bit key, so
that the receiving server's DKIM verification does the real work (body hash, RSA verify).

Usage: bench_dkim_message.py DOMAIN SELECTOR SIZE RECIPIENT OUT_FILE
FROM_NAME in the environment sets the From display name (default "Load", too short to be a
person's name; a real one such as "Hanako Yamamoto" makes the risk stage compare it with every
local user's and frequent correspondent's name).
Writes OUT_FILE with LF line ends (smtp-source -F adds the CRLF) and prints the public key
(base64 DER SubjectPublicKeyInfo, the p= of the DKIM key record). Needs dkimpy, cryptography.
"""
import base64
import email.utils
import os
import sys

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def main():
    domain, selector, size, recipient, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
    public_der = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    header = (
        f"From: {os.environ.get('FROM_NAME', 'Load')} <load@{domain}>\r\n"
        f"To: <{recipient}>\r\n"
        f"Subject: benchmark message\r\n"
        f"Date: {email.utils.formatdate()}\r\n"
        f"Message-ID: <bench@{domain}>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
    ).encode()
    line = b"The quick brown fox jumps over the lazy dog 0123456789 abcdefghij\r\n"
    body = bytearray()
    while len(body) < size:
        body += line
    message = header + bytes(body)
    signature = dkim.sign(message, selector.encode(), domain.encode(), private_pem,
                          canonicalize=(b"relaxed", b"relaxed"),
                          include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    assert dkim.verify(signature + message, dnsfunc=lambda name, timeout=5: (
        b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)))
    with open(out, "wb") as f:
        f.write((signature + message).replace(b"\r\n", b"\n"))
    print(base64.b64encode(public_der).decode())


if __name__ == "__main__":
    main()

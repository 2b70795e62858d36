#!/usr/bin/env python3
"""Times Python's `email` package on the files written by the MailMessageBenchmarks suite.

Usage: bench_parse_email.py DIR [--seconds S] [--tsv]

DIR holds small.eml, medium.eml, large.eml and header-only.eml (scripts/bench-parse.sh writes
them by running the Swift benchmark with HATO_PARSE_BENCH_DIR=DIR). For each file the script
parses it repeatedly for about S seconds (default 3, after one warm-up parse) and reports the
median time per parse as MB/s (bytes / seconds / 1e6), the same unit as the Swift "MB/s" metric.

Parsers, both with policy.default:
  full         email.message_from_bytes(data, policy=policy.default): the whole message, MIME
               tree included (bodies are kept as strings, not decoded), as MIMEMessage(parsing:)
  header-only  email.parser.BytesHeaderParser(policy=policy.default).parsebytes(data): the
               header fields only (the rest is kept as one undivided payload)
"""
import argparse
import email
import email.parser
import hashlib
import os
import statistics
import sys
import time
from email import policy

FILES = ["small.eml", "medium.eml", "large.eml", "header-only.eml"]


def parse_full(data):
    return email.message_from_bytes(data, policy=policy.default)


_header_parser = email.parser.BytesHeaderParser(policy=policy.default)


def parse_headers(data):
    return _header_parser.parsebytes(data)


def time_parser(parse, data, seconds):
    parse(data)  # warm-up
    samples = []
    deadline = time.perf_counter() + seconds
    while True:
        t0 = time.perf_counter()
        parse(data)
        samples.append(time.perf_counter() - t0)
        if time.perf_counter() >= deadline and len(samples) >= 5:
            break
    median = statistics.median(samples)
    return len(data) / median / 1e6, median, len(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--tsv", action="store_true", help="print file, parser, bytes, MB/s, median seconds, samples")
    args = ap.parse_args()

    rows = []
    for name in FILES:
        path = os.path.join(args.dir, name)
        with open(path, "rb") as f:
            data = f.read()
        digest = hashlib.sha256(data).hexdigest()[:16]
        parsers = [("full", parse_full)]
        if name in ("header-only.eml", "small.eml", "large.eml"):
            parsers.append(("header-only", parse_headers))
        for label, parse in parsers:
            mbps, median, n = time_parser(parse, data, args.seconds)
            rows.append((name, label, len(data), mbps, median, n, digest))

    if args.tsv:
        for r in rows:
            print("\t".join(str(x) for x in (r[0], r[1], r[2], f"{r[3]:.1f}", f"{r[4]:.9f}", r[5], r[6])))
    else:
        print(f"Python {sys.version.split()[0]} email, policy.default")
        print(f"{'file':<16} {'parser':<12} {'bytes':>10} {'MB/s':>8} {'median':>12} {'n':>6}  sha256")
        for r in rows:
            print(f"{r[0]:<16} {r[1]:<12} {r[2]:>10} {r[3]:>8.1f} {r[4] * 1e6:>10.1f}us {r[5]:>6}  {r[6]}")


if __name__ == "__main__":
    main()

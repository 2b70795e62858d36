"""Counts the flushes in an strace log (issue 24): fsync and fdatasync calls made between two
wall-clock times, grouped by the file they flushed, and per round of a benchmark.

    strace -f -ttt -y -e trace=fsync,fdatasync -o TRACE -p SERVER_PID
    python3 scripts/bench_fsync_count.py TRACE --start T0 --end T1 --rounds N [--strip PREFIX]

File names are normalised (digits, hex and Maildir names become *) so that one group is one
kind of file: a SQLite WAL, a message body, a body directory, a Dovecot index log. Only the
standard library.
"""
import argparse
import collections
import json
import re
import sys

CALL = re.compile(r"^(?:\d+\s+)?(\d+\.\d+)\s+(fsync|fdatasync)\((\d+)(?:<([^>]*)>)?")


def kind(path, strip):
    if path is None:
        return "?"
    if strip and path.startswith(strip):
        path = path[len(strip):]
    path = re.sub(r"[0-9a-f]{16,}", "*", path)                # content or UUID names
    path = re.sub(r"/tmp/[^/]*$", "/tmp/*", path)              # Maildir tmp/ names
    path = re.sub(r"/(new|cur)/[^/]*$", r"/\1/*", path)        # Maildir new/ and cur/ names
    return re.sub(r"\d+", "N", path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("trace")
    p.add_argument("--start", type=float, default=0)
    p.add_argument("--end", type=float, default=float("inf"))
    p.add_argument("--rounds", type=int, default=0, help="rounds (or messages) done in the window")
    p.add_argument("--strip", default="", help="path prefix left out of the groups")
    p.add_argument("--label", default="server")
    p.add_argument("--json", help="append the counts as one JSON line to this file")
    args = p.parse_args()
    groups = collections.Counter()
    calls = collections.Counter()
    for line in open(args.trace, errors="replace"):
        m = CALL.match(line)
        if not m or "resumed" in line:
            continue
        at = float(m.group(1))
        if args.start <= at <= args.end:
            groups[(m.group(2), kind(m.group(4), args.strip))] += 1
            calls[m.group(2)] += 1
    total = sum(calls.values())
    per = (lambda n: n / args.rounds) if args.rounds else (lambda n: float("nan"))
    print("== %s: %d flushes (%d fsync, %d fdatasync) in %.1f s, %d rounds: %.2f per round" % (
        args.label, total, calls["fsync"], calls["fdatasync"], args.end - args.start, args.rounds, per(total)))
    for (call, name), count in groups.most_common(12):
        print("  %7d  %6.2f/round  %-9s %s" % (count, per(count), call, name))
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps({"label": args.label, "flushes": total, "rounds": args.rounds,
                                "per_round": per(total) if args.rounds else None,
                                "groups": {"%s %s" % k: v for k, v in groups.items()}}) + "\n")


if __name__ == "__main__":
    sys.exit(main())

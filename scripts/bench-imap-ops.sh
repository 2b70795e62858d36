#!/usr/bin/env bash
# Server CPU per IMAP operation, one operation at a time (issue 24): the mix profile of
# scripts/bench-imap.sh with one operation's weight only, against Hato (and an older build) and
# Dovecot, each server fresh for each operation. Prints, per operation, the milliseconds of
# server CPU (process tree, scripts/proc_tree_cpu.py) and Dovecot's figure divided by each
# Hato build's (above 1: Hato spends less). The mix's mailboxes hold MESSAGES messages of 4 KB.
# "expunge" and "append" also count the untimed SELECT the client sends after each to learn
# the message count (the same for every server).
#
#   scripts/bench-imap-ops.sh                                   # C=2 T=10 MESSAGES=100
#   HATO_BIN=/path/to/hato HATO_BIN_BEFORE=/path/to/old OPS="select fetch_body" scripts/bench-imap-ops.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OPS="${OPS:-select fetch_flags fetch_body store append search expunge}"
results="$(mktemp "${TMPDIR:-/tmp}/hato-bench-imap-ops.XXXXXX")"
trap 'rm -f "$results"' EXIT
for op in $OPS; do
    echo "== $op" >&2
    C="${C:-2}" T="${T:-10}" N=0 MESSAGES="${MESSAGES:-100}" WEIGHTS="$op=1" PROFILES=mix RESULTS="$results" \
        "$root/scripts/bench-imap.sh" >/dev/null 2>&1 || echo "$op: bench-imap.sh failed" >&2
    sed -i "s/\"profile\": \"mix\"/\"profile\": \"$op\"/" "$results"
done
python3 - "$results" <<'PY'
import json, sys
cpu, labels = {}, []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "server_cpu_ms_per_operation" not in r:
        continue
    cpu[(r["profile"], r["label"])] = (r["server_cpu_ms_per_operation"], r["operations"]["total"]["count"])
    if r["label"] not in labels:
        labels.append(r["label"])
hatos = [l for l in labels if l != "dovecot"]
print("%-12s" % "operation" + "".join("%14s" % (l + " ms") for l in labels) +
      "".join("%18s" % ("dovecot/" + l) for l in hatos if "dovecot" in labels))
for op in dict.fromkeys(p for p, _ in cpu):
    row = "%-12s" % op
    for l in labels:
        row += "%14s" % ("%.3f" % cpu[(op, l)][0] if (op, l) in cpu else "-")
    if "dovecot" in labels:
        for l in hatos:
            if (op, l) in cpu and (op, "dovecot") in cpu and cpu[(op, l)][0]:
                row += "%18.2f" % (cpu[(op, "dovecot")][0] / cpu[(op, l)][0])
            else:
                row += "%18s" % "-"
    print(row)
PY

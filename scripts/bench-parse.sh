#!/usr/bin/env bash
# Message parse throughput (issue 3): runs the MailMessageBenchmarks suite (Benchmarks/,
# ordo-one/benchmark), which also writes the exact messages it parses to a temporary folder,
# then times Python's `email` package on those same files (scripts/bench_parse_email.py) and
# prints both in MB/s side by side. See docs/PERFORMANCE.md.
#
#   scripts/bench-parse.sh                 # full run (about 2 minutes plus any build)
#   PY_SECONDS=1 scripts/bench-parse.sh    # shorter Python timing per input (default 3 s)
#   KEEP=1 scripts/bench-parse.sh          # keep the generated .eml files and the raw output
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-bench-parse.XXXXXX")"
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$work"' EXIT; fi

echo "== machine"
echo "cpus: $(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
swift --version 2>&1 | head -1
python3 --version
echo "files: $work"
echo

echo "== Swift (MailMessage, MIMEMessage(parsing:), release)"
(cd "$root/Benchmarks" &&
    HATO_PARSE_BENCH_DIR="$work/messages" swift package --disable-sandbox benchmark \
        --target MailMessageBenchmarks --no-progress "$@") | tee "$work/swift.txt"
echo "load after Swift: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

echo "== Python (email, policy.default)"
python3 "$root/scripts/bench_parse_email.py" "$work/messages" --seconds "${PY_SECONDS:-3}" --tsv | tee "$work/python.tsv"
echo "load after Python: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

echo "== MB/s (median; Swift p50 of the MB/s metric, Python median time per parse)"
python3 - "$work/swift.txt" "$work/python.tsv" <<'EOF'
import re, sys
swift_txt, python_tsv = sys.argv[1], sys.argv[2]

# Swift text output: a title line "MIMEMessage(parsing:) <label> (bytes: N, file: F)", then a
# table whose "MB/s" row has the columns p0 p25 p50 p75 p90 p99 p100 samples.
swift = {}
current = None
for line in open(swift_txt, encoding="utf-8"):
    m = re.search(r"\(bytes: (\d+), file: ([^)]+)\)", line)
    if m:
        current = m.group(2)
        continue
    cells = [c.strip() for c in line.strip().strip("│").split("│")]
    if current and cells and cells[0] == "MB/s":
        swift[current] = int(cells[3].replace(",", ""))
        current = None

python = {}
sizes = {}
for line in open(python_tsv, encoding="utf-8"):
    name, parser, size, mbps, *_ = line.rstrip("\n").split("\t")
    python[(name, parser)] = float(mbps)
    sizes[name] = int(size)

rows = [
    ("small 4 KB Japanese text", "small.eml"),
    ("medium 100 KB multipart", "medium.eml"),
    ("large 10 MB attachment", "large.eml"),
    ("header-only 4 KB", "header-only.eml"),
]
print(f"{'input':<26} {'bytes':>10} {'Hato':>8} {'Py full':>8} {'Py hdr':>8} {'Hato/Py':>8}")
for label, name in rows:
    h = swift.get(name)
    full = python.get((name, "full"))
    hdr = python.get((name, "header-only"))
    ref = hdr if name == "header-only.eml" else full
    ratio = f"{h / ref:.0f}x" if h and ref else "-"
    fmt = lambda v: "-" if v is None else f"{v:.0f}"
    print(f"{label:<26} {sizes.get(name, 0):>10} {fmt(h):>8} {fmt(full):>8} {fmt(hdr):>8} {ratio:>8}")
print("Hato: MIMEMessage(parsing:); Py full: email.message_from_bytes; Py hdr: BytesHeaderParser.")
print("Hato/Py compares with BytesHeaderParser for header-only, with message_from_bytes otherwise.")
EOF

#!/usr/bin/env bash
# SMTP inbound load, Hato against Postfix from Debian, both on loopback in the same run, both
# delivering to a local mailbox; a rate counts until every message is in the mailbox.
#
# The load is Postfix's own `smtp-source` (issue 24): N messages over C sessions, one message
# per connection, then the same with -d (connections reused). Every message is the same
# DKIM-signed 10 KB text message (scripts/bench_dkim_message.py, rsa-2048) from
# load@bench-sender.example, whose SPF, DKIM key and DMARC (p=reject) records a local DNS
# server publishes (scripts/bench_dns_zone.py): Hato checks SPF, DKIM and DMARC on every message
# (all pass) and asks that resolver; Postfix does no such checks. Each load also reports the
# server's CPU time per message (process tree; for Hato without the DNS server it asks) and
# Postfix's divided by Hato's: steadier than msg/s on a busy machine. See docs/PERFORMANCE.md.
#
#   scripts/bench-smtp.sh                 # N=2000 C=10; builds the release binary if needed
#   scripts/bench-smtp.sh --quick         # N=500: the regression check before a change
#   HATO_BIN=/path/to/hato HATO_BIN_BEFORE=/path/to/old ROUNDS=3 scripts/bench-smtp.sh
#                                         # two builds and Postfix, alternating, in one run
#   MODES="new" scripts/bench-smtp.sh     # only one message per connection ("reuse": only -d)
#   LOAD=python scripts/bench-smtp.sh     # the older generator (scripts/bench_smtp_load.py)
#   FSYNC=1 C=10 scripts/bench-smtp.sh    # also count fsync/fdatasync per message (strace; slow)
#
# Needs: postfix (smtp-source, and root for the private Postfix instance: own config, queue and
# Maildir under a temporary folder; the system instance is not touched), python3 with dnspython,
# dkimpy and cryptography. Run it on a real disk ($TMPDIR, default /tmp), never tmpfs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-2000}"
if [ "${1:-}" = "--quick" ]; then N=500; fi
C="${C:-10}"
SIZE="${SIZE:-10240}"
ROUNDS="${ROUNDS:-1}"
MODES="${MODES:-new reuse}"
LOAD="${LOAD:-smtp-source}"
LOG_LEVEL="${LOG_LEVEL:-warning}"
sender_domain="bench-sender.example"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-bench-smtp.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -f "$work/postfix/main.cf" ]; then postfix -c "$work/postfix" stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
source "$root/scripts/bench_smtp_lib.sh"

echo "== machine"
echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)  disk: $(findmnt -n -o FSTYPE --target "$work" 2>/dev/null || echo ?)"
echo "load: $LOAD, N=$N messages of $SIZE bytes over C=$C sessions, modes: $MODES, rounds: $ROUNDS"

hato="${HATO_BIN:-}"
hato_before="${HATO_BIN_BEFORE:-}"
# hato reads HATO_* variables as configuration overrides and refuses unknown ones.
unset HATO_BIN HATO_BIN_BEFORE
if [ -z "$hato" ]; then
    (cd "$root" && swift build -c release --product hato >/dev/null)
    hato="$root/.build/release/hato"
fi

# The message and the sender domain's records: SPF pass, DKIM pass, DMARC pass (p=reject).
public_key="$(python3 "$root/scripts/bench_dkim_message.py" "$sender_domain" sel "$SIZE" rcpt@bench.invalid "$work/message.eml")"
dns_port="$(free_port)"
python3 "$root/scripts/bench_dns_zone.py" "$dns_port" "$sender_domain" sel "$public_key" "$work/dns-queries" &
pids+=($!)

have_postfix=
if command -v postfix >/dev/null && [ "$(id -u)" = 0 ]; then have_postfix=1; start_postfix; fi

declare -A results cpu_ms cpu_split
for round in $(seq "$ROUNDS"); do
    for mode in $MODES; do
        if [ -n "$hato_before" ]; then run_hato before "$hato_before" "$mode"; fi
        run_hato after "$hato" "$mode"
        if [ -n "$have_postfix" ]; then run_postfix "$mode"; fi
    done
done

# One summary line: each server's figure from the array named $1, and Postfix's figure over
# Hato's (msg/s: "hato/postfix") or Hato's over Postfix's (CPU: "postfix/hato"), above 1 = Hato ahead.
summary_line() {  # array-name ratio-order title
    local -n figures="$1"
    local line="$3" pf="${figures[postfix,$mode,$round]:-}" v who
    for who in before after postfix; do
        v="${figures[$who,$mode,$round]:-}"
        [ -n "$v" ] || continue
        line+=" $who $v"
        if [ -n "$pf" ] && [ "$who" != postfix ]; then
            if [ "$2" = hato/postfix ]; then line+=" ($(python3 -c "print(f'{$v/$pf:.2f}x')"))"
            else line+=" ($(python3 -c "print(f'{$pf/$v:.2f}x')" 2>/dev/null || echo '?'))"; fi
        fi
    done
    echo "$line"
}
echo "== summary (msg/s until every message is in the mailbox; ratio to Postfix in the same round)"
for mode in $MODES; do
    for round in $(seq "$ROUNDS"); do
        summary_line results hato/postfix "$mode round $round:"
        # Server CPU per message, and Postfix's divided by Hato's (above 1: Hato spends less).
        summary_line cpu_ms postfix/hato "$mode round $round, server CPU ms/message:"
    done
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

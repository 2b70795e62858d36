#!/usr/bin/env bash
# Instructions per received message under valgrind's callgrind (issue 24): the workload of
# scripts/bench-smtp.sh (smtp-source, the 10 KB DKIM-signed message, SPF/DKIM/DMARC passing
# against scripts/bench_dns_zone.py), 20 messages to warm up, then N counted.
#
#   scripts/callgrind-smtp.sh BINARY [new|reuse] [N]     # prints "<instructions per message>"
#   leaves $OUT (default /tmp/callgrind-smtp.<mode>.out) for callgrind_annotate --inclusive=yes
#   OWN_NAMES=1000 CORRESPONDENTS=500 scripts/callgrind-smtp.sh BINARY   # a store with that many local
#     users' display names and correspondents of the recipient (rows the risk stage reads for
#     every message; the bare benchmark has none)
#   FROM_NAME="Hanako Yamamoto" ...   # a From display name long enough to be compared with theirs
#   ACCOUNTS=20 CORRESPONDENTS=300 ...   # mail for 20 accounts in turn (rcpt@, rcpt1@ ... rcpt19@),
#     each with its own correspondents at 50 domains of its own (sent by Python's smtplib, one
#     message per connection, instead of smtp-source, which has one recipient)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$1"; mode="${2:-new}"; N="${3:-200}"; C="${C:-10}"; SIZE=10240
out="${OUT:-/tmp/callgrind-smtp.$mode.out}"
sender_domain="bench-sender.example"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-callgrind-smtp.XXXXXX")"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
unset HATO_BIN HATO_BIN_BEFORE
source "$root/scripts/bench_smtp_lib.sh"  # free_port, setup_hato
# Under valgrind the server takes far longer to open its port than the library's 10 s allow.
wait_port() { for _ in $(seq 600); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
    sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
ACCOUNTS="${ACCOUNTS:-1}"
send() {  # count
    if [ "$ACCOUNTS" -gt 1 ]; then
        python3 - "$port" "$1" "$C" "$work/message.eml" "load@$sender_domain" "$ACCOUNTS" <<'PYEOF'
import smtplib, sys, threading
port, count, concurrency, path, sender, accounts = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
message = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
recipients = ["rcpt@bench.invalid"] + ["rcpt%d@bench.invalid" % a for a in range(1, accounts)]
def worker(first):
    for index in range(first, count, concurrency):
        with smtplib.SMTP("127.0.0.1", port, local_hostname="client.bench-sender.example", timeout=600) as smtp:
            smtp.sendmail(sender, [recipients[index % accounts]], message)
threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
for thread in threads: thread.start()
for thread in threads: thread.join()
PYEOF
        return
    fi
    local reuse=(); [ "$mode" = reuse ] && reuse=(-d)
    smtp-source "${reuse[@]}" -m "$1" -s "$C" -M "client.$sender_domain" -f "load@$sender_domain" \
        -t rcpt@bench.invalid -F "$work/message.eml" "127.0.0.1:$port" >/dev/null
}
objcopy --strip-debug "$bin" "$work/hato"
public_key="$(python3 "$root/scripts/bench_dkim_message.py" "$sender_domain" sel "$SIZE" rcpt@bench.invalid "$work/message.eml")"
dns_port="$(free_port)"
python3 "$root/scripts/bench_dns_zone.py" "$dns_port" "$sender_domain" sel "$public_key" "$work/dns-queries" &
pids+=($!)
port="$(free_port)"
setup_hato "$work/hato" "$work" "$port" warning
for a in $(seq 1 $((ACCOUNTS - 1))); do
    echo "a long enough password" | "$work/hato" account add "rcpt$a@bench.invalid" --password-stdin --config "$work/hato.toml" >/dev/null
done
if [ "${OWN_NAMES:-0}" -gt 0 ] || [ "${CORRESPONDENTS:-0}" -gt 0 ]; then
    python3 - "$work/data/hato.sqlite" "${OWN_NAMES:-0}" "${CORRESPONDENTS:-0}" "$ACCOUNTS" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
insert = "INSERT INTO correspondents (account_id, address, display_name, sent, received, own, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, 0, 0)"
first = db.execute("SELECT MIN(id) FROM accounts").fetchone()[0]
for i in range(int(sys.argv[2])): db.execute(insert, (first, "user%d@bench.invalid" % i, "Local User %d" % i, 1, 0, 1))
accounts = [row[0] for row in db.execute("SELECT id FROM accounts ORDER BY id")]
for account in accounts:
    for i in range(int(sys.argv[3])):
        domain = "example.org" if len(accounts) == 1 else "partner%d-%d.example" % (i % 50, account)
        db.execute(insert, (account, "friend%d@%s" % (i, domain), "Friend Number %d" % i, 3, 2, 0))
db.commit()
PYEOF
fi
rm -f "$out"*
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$work/hato" serve --config "$work/hato.toml" \
    >"$work/hato.log" 2>&1 &
vpid=$!; pids+=($vpid)
wait_port "$port"
send 20
callgrind_control -i on "$vpid" >/dev/null
send "$N"
callgrind_control -d "$vpid" >/dev/null
callgrind_control -i off "$vpid" >/dev/null
stored=0
for a in $(seq 0 $((ACCOUNTS - 1))); do
    rcpt=rcpt@bench.invalid; [ "$a" -gt 0 ] && rcpt="rcpt$a@bench.invalid"
    count="$("$work/hato" mailbox list "$rcpt" --config "$work/hato.toml" 2>/dev/null | awk '$1=="INBOX"{print $3}')" || true
    stored=$((stored + ${count:-0}))
done
kill "$vpid"; wait "$vpid" 2>/dev/null || true
dump="$(ls "$out".* | head -1)"
total="$(grep -m1 '^summary:' "$dump" | awk '{print $2}')"
echo "stored ${stored:-?} of $((N + 20)); $(python3 -c "print(f'{$total/$N/1e6:.2f} M instructions per message')") ($dump)"

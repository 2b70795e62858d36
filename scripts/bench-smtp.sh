#!/usr/bin/env bash
# SMTP inbound load: the same load (scripts/bench_smtp_load.py: N messages of 10 KB over C
# connections) against Hato and against Postfix from Debian, both on loopback in the same run,
# both delivering to a local mailbox; prints each result and the ratio. See docs/PERFORMANCE.md.
#
#   scripts/bench-smtp.sh                 # N=2000 C=16, builds the release binary if needed
#   N=5000 C=32 scripts/bench-smtp.sh
#   HATO_BIN=/path/to/hato scripts/bench-smtp.sh
#   FSYNC=1 C=10 scripts/bench-smtp.sh    # also count each server's fsync/fdatasync calls per
#                   message (strace attached to the server and what it forks; slows both, so take
#                   msg/s from a run without it). For Postfix: until every message is in the Maildir.
#
# Needs: python3 with dnspython; Postfix (apt-get install postfix) and root to run a private
# Postfix instance (its own config, queue and mail directories under a temporary folder; the
# system instance is not touched). Without Postfix only Hato is measured.
# Run it on a real disk ($TMPDIR, default /tmp), never on tmpfs: both servers fsync.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-2000}"
C="${C:-16}"
SIZE="${SIZE:-10240}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-bench-smtp.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -f "$work/postfix/main.cf" ]; then postfix -c "$work/postfix" stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# FSYNC=1: every fsync and fdatasync of a server from now on, with wall-clock times and names.
trace_flushes() {  # label pid
    [ -n "${FSYNC:-}" ] || return 0
    strace -f -ttt -y -e trace=fsync,fdatasync -o "$work/$1.fsync" -p "$2" 2>/dev/null &
    pids+=($!)
    eval "strace_$1=$!"
    sleep 1
}
count_flushes() {  # label strace-pid start end
    [ -n "${FSYNC:-}" ] || return 0
    kill -INT "$2" 2>/dev/null || true; wait "$2" 2>/dev/null || true
    python3 "$root/scripts/bench_fsync_count.py" "$work/$1.fsync" --start "$3" --end "$4" --rounds "$N" \
        --strip "$work/" --label "$1 (C=$C), per message"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== machine"
echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)  disk: $(findmnt -n -o FSTYPE --target "$work" 2>/dev/null || echo ?)"
echo "load: N=$N messages of $SIZE bytes over C=$C connections"

hato="${HATO_BIN:-}"
# hato reads HATO_* variables as configuration overrides and refuses unknown ones.
unset HATO_BIN
if [ -z "$hato" ]; then
    (cd "$root" && swift build -c release --product hato >/dev/null)
    hato="$root/.build/release/hato"
fi

# A DNS server that answers NXDOMAIN (cached) keeps Hato's SPF check off the internet.
dns_port="$(free_port)"
python3 "$root/scripts/bench_dns_nxdomain.py" "$dns_port" &
pids+=($!)

# --- Hato ---------------------------------------------------------------------------------
hato_port="$(free_port)"
cat > "$work/hato.toml" <<EOF
hostname = "mx.bench.invalid"
data_dir = "$work/hato-data"
[listen]
smtp = ["127.0.0.1:$hato_port"]
[limits]
max_connections_per_ip = 1000
[dns]
servers = ["127.0.0.1:$dns_port"]
[log]
level = "warning"
EOF
"$hato" domain add bench.invalid --config "$work/hato.toml" >/dev/null
echo "a long enough password" | "$hato" account add rcpt@bench.invalid --password-stdin --config "$work/hato.toml" >/dev/null
"$hato" serve --config "$work/hato.toml" > "$work/hato.log" 2>&1 &
hato_pid=$!
pids+=($hato_pid)
for _ in $(seq 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$hato_port),1)" 2>/dev/null && break
    sleep 0.1
done
trace_flushes hato "$hato_pid"
echo "== hato"
hato_started=$(date +%s.%N)
hato_json="$(python3 "$root/scripts/bench_smtp_load.py" --port "$hato_port" -n "$N" -c "$C" --size "$SIZE" \
    --recipient rcpt@bench.invalid --label hato)"
hato_finished=$(date +%s.%N)
echo "$hato_json"
stored="$("$hato" mailbox list rcpt@bench.invalid --config "$work/hato.toml" 2>/dev/null | awk '$1=="INBOX"{print $3}')"
echo "stored in INBOX: ${stored:-?}"
kill "$hato_pid"; wait "$hato_pid" 2>/dev/null || true
[ -z "${FSYNC:-}" ] || count_flushes hato "$strace_hato" "$hato_started" "$hato_finished"

# --- Postfix -------------------------------------------------------------------------------
if ! command -v postfix >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "== postfix: skipped (needs Debian's postfix and root)"
    exit 0
fi
pf="$work/postfix"
pf_port="$(free_port)"
mkdir -p "$pf" "$work/pfqueue" "$work/pfdata" "$work/pfmail"
chmod 755 "$work"
chown nobody:nogroup "$work/pfmail"
chown postfix "$work/pfdata"
cp /etc/postfix/master.cf "$pf/master.cf"
# Private instance: no chroot (its queue is elsewhere), smtpd on a loopback port only.
sed -i -E 's/^(smtp +inet +n +- +)[yn-]( +.*smtpd)$/\1n\2/; s/^smtp( +inet)/127.0.0.1:'"$pf_port"'\1/' "$pf/master.cf"
sed -i -E '/^[a-z0-9.:]+ +(unix|fifo|pass|inet) +/ s/^([^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +)[yn-]/\1n/' "$pf/master.cf"
cat > "$pf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $work/pfqueue
data_directory = $work/pfdata
myhostname = mx.bench.invalid
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = bench.invalid
virtual_mailbox_base = $work/pfmail
virtual_mailbox_maps = static:rcpt/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 200
smtpd_peername_lookup = no
disable_dns_lookups = yes
smtp_host_lookup = native
maillog_file_prefixes = $work
maillog_file = $work/postfix.log
EOF
postfix -c "$pf" check
postfix -c "$pf" start >/dev/null 2>&1
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$pf_port),1)" 2>/dev/null && break
    sleep 0.1
done
trace_flushes postfix "$(head -1 "$work/pfqueue/pid/master.pid" | tr -d ' ')"
echo "== postfix $(postconf -d -h mail_version)"
started=$(date +%s.%N)
pf_json="$(python3 "$root/scripts/bench_smtp_load.py" --port "$pf_port" -n "$N" -c "$C" --size "$SIZE" \
    --recipient rcpt@bench.invalid --label postfix)"
echo "$pf_json"
# Postfix's 250 means "in my queue"; wait until local delivery has written every Maildir file.
for _ in $(seq 600); do
    delivered=$(find "$work/pfmail/rcpt/new" -type f 2>/dev/null | wc -l)
    [ "$delivered" -ge "$N" ] && break
    sleep 0.1
done
finished=$(date +%s.%N)
[ -z "${FSYNC:-}" ] || count_flushes postfix "$strace_postfix" "$started" "$finished"
echo "postfix delivered to Maildir: $delivered in $(python3 -c "print(round($finished-$started,2))") s" \
     "($(python3 -c "print(round($delivered/($finished-$started),1))") msg/s end to end)"

python3 - "$hato_json" "$pf_json" "$delivered" "$started" "$finished" <<'EOF'
import json, sys
h, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
end_to_end = int(sys.argv[3]) / (float(sys.argv[5]) - float(sys.argv[4]))
print(f"== ratio hato/postfix: accepted {h['messages_per_second'] / p['messages_per_second']:.2f}x, "
      f"delivered-to-mailbox {h['messages_per_second'] / end_to_end:.2f}x")
EOF

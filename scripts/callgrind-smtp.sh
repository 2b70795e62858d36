#!/bin/bash
# Instructions per received message under valgrind callgrind (docs/PERFORMANCE.md, issue 24):
# the workload of scripts/bench-smtp.sh (smtp-source, the dkimpy-signed 10 KB message, SPF/DKIM/DMARC
# passing against scripts/bench_dns_zone.py), counted over 200 messages after 20 to warm up.
# usage: scripts/callgrind-smtp.sh BINARY LABEL  -> callgrind over 200 messages after 20 warm-up (smtp-source -s 10, one per connection)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; bin="$1"; label="$2"
work=$(mktemp -d "${TMPDIR:-/tmp}/callgrind-smtp-$label.XXXX"); pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null||true; done' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
objcopy --strip-debug "$bin" "$work/hato"
pub="$(python3 $root/scripts/bench_dkim_message.py bench-sender.example sel 10240 rcpt@bench.invalid $work/message.eml)"
dns=$(free_port); python3 $root/scripts/bench_dns_zone.py $dns bench-sender.example sel "$pub" $work/dns-queries & pids+=($!)
port=$(free_port)
cat > $work/hato.toml <<T
hostname = "mx.bench.invalid"
data_dir = "$work/data"
[listen]
smtp = ["127.0.0.1:$port"]
[limits]
max_connections_per_ip = 1000
[dns]
servers = ["127.0.0.1:$dns"]
[log]
level = "warning"
T
$work/hato domain add bench.invalid --config $work/hato.toml >/dev/null
echo "a long enough password" | $work/hato account add rcpt@bench.invalid --password-stdin --config $work/hato.toml >/dev/null
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$work/cg.out $work/hato serve --config $work/hato.toml > $work/hato.log 2>&1 & vpid=$!; pids+=($vpid)
for i in $(seq 300); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break; sleep 1; done
smtp-source -m 20 -s 10 -M client.bench-sender.example -f load@bench-sender.example -t rcpt@bench.invalid -F $work/message.eml 127.0.0.1:$port
callgrind_control -i on $vpid >/dev/null
smtp-source -m 200 -s 10 -M client.bench-sender.example -f load@bench-sender.example -t rcpt@bench.invalid -F $work/message.eml 127.0.0.1:$port
callgrind_control -d $vpid >/dev/null; sleep 2
kill $vpid; wait $vpid 2>/dev/null || true
f=$(ls $work/cg.out.* | head -1)
total=$(callgrind_annotate $f 2>/dev/null | awk "/PROGRAM TOTALS/{gsub(\",\",\"\",\$1); print \$1}" | head -n 1)
echo "$label: total $total Ir, per message $(python3 -c "print(round($total/200/1e6,2))") M"
callgrind_annotate --inclusive=yes $f 2>/dev/null | swift demangle --simplified > $work/inclusive.txt
echo $work

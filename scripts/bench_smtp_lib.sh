# Functions of scripts/bench-smtp.sh (sourced; uses its variables: root, work, N, C, SIZE, LOAD,
# LOG_LEVEL, dns_port, sender_domain, pids, results, cpu_ms, cpu_split, round).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
    sleep 0.1
done; echo "port $1 never opened" >&2; return 1; }
now() { date +%s.%N; }
maildir_count() { local n; n=$(find "$work/pfmail/rcpt/new" -type f 2>/dev/null | wc -l) || true; echo "${n:-0}"; }
rate() { python3 -c "print(round($1/($3-$2),1))"; }

# FSYNC=1: every fsync and fdatasync of a server from now on, with wall-clock times and names.
trace_flushes() {  # label pid
    [ -n "${FSYNC:-}" ] || return 0
    strace -f -ttt -y -e trace=fsync,fdatasync -o "$work/$1.fsync" -p "$2" 2>/dev/null &
    pids+=($!)
    strace_pid=$!
    sleep 1
}
count_flushes() {  # label start end
    [ -n "${FSYNC:-}" ] || return 0
    kill -INT "$strace_pid" 2>/dev/null || true; wait "$strace_pid" 2>/dev/null || true
    python3 "$root/scripts/bench_fsync_count.py" "$work/$1.fsync" --start "$2" --end "$3" --rounds "$N" \
        --strip "$work/" --label "$1 (C=$C), per message"
}

# One load against 127.0.0.1:port; mode "new" = a connection per message, "reuse" = smtp-source -d.
send_load() {  # port mode label
    if [ "$LOAD" = python ]; then
        local per=1; [ "$2" = reuse ] && per=50
        python3 "$root/scripts/bench_smtp_load.py" --port "$1" -n "$N" -c "$C" --size "$SIZE" \
            --per-connection "$per" --sender "load@$sender_domain" --recipient rcpt@bench.invalid --label "$3" >"$work/$3.load" \
            || { cat "$work/$3.load"; return 1; }
    else
        local reuse=(); [ "$2" = reuse ] && reuse=(-d)
        smtp-source "${reuse[@]}" -m "$N" -s "$C" -M "client.$sender_domain" -f "load@$sender_domain" \
            -t rcpt@bench.invalid -F "$work/message.eml" "127.0.0.1:$1" >"$work/$3.load" 2>&1 \
            || { cat "$work/$3.load"; return 1; }
    fi
}

# The benchmark's hato.toml in DIR (SMTP on PORT, $dns_port as the resolver) and its one recipient;
# scripts/callgrind-smtp.sh sets Hato up the same way.
setup_hato() {  # binary dir port log-level
    cat > "$2/hato.toml" <<EOF
hostname = "mx.bench.invalid"
data_dir = "$2/data"
[listen]
smtp = ["127.0.0.1:$3"]
[limits]
max_connections_per_ip = 1000
[dns]
servers = ["127.0.0.1:$dns_port"]
[log]
level = "$4"
EOF
    "$1" domain add bench.invalid --config "$2/hato.toml" >/dev/null
    echo "a long enough password" | "$1" account add rcpt@bench.invalid --password-stdin --config "$2/hato.toml" >/dev/null
}

# The server's CPU time (user + system, the process and its children, reaped ones included:
# scripts/proc_tree_cpu.py) over one load, per message, into cpu_ms[who,mode,round]. Steadier than
# msg/s on a busy machine. Hato's figure leaves out the DNS server it asks (Postfix asks none).
# The "user system" split goes into cpu_split (user and system ms per message).
tree_cpu() { python3 "$root/scripts/proc_tree_cpu.py" --split "$1"; }
cpu_per_message() {  # who pid "user-before system-before"
    local now; now="$(tree_cpu "$2")"
    read -r cpu_ms[$1,$mode,$round] cpu_split[$1,$mode,$round] < <(python3 -c "
u0, s0 = map(float, '$3'.split()); u1, s1 = map(float, '$now'.split())
print(round((u1 - u0 + s1 - s0) * 1000 / $N, 3), '%.3f/%.3f' % ((u1 - u0) * 1000 / $N, (s1 - s0) * 1000 / $N))")
}

run_hato() {  # who binary mode
    local who="$1" bin="$2" mode="$3" dir="$work/hato-$1-$3-$round" port
    port="$(free_port)"
    mkdir -p "$dir"
    setup_hato "$bin" "$dir" "$port" "$LOG_LEVEL"
    "$bin" serve --config "$dir/hato.toml" > "$dir/hato.log" 2>&1 &
    local pid=$!
    pids+=($pid)
    wait_port "$port"
    trace_flushes "hato-$who" "$pid"
    local started finished stored queries cpu
    queries=$(cat "$work/dns-queries" 2>/dev/null || echo 0)
    cpu=$(tree_cpu "$pid")
    started=$(now)
    send_load "$port" "$mode" "hato-$who-$mode-$round"
    finished=$(now)
    cpu_per_message "$who" "$pid" "$cpu"
    queries=$(( $(cat "$work/dns-queries" 2>/dev/null || echo 0) - queries ))
    stored="$("$bin" mailbox list rcpt@bench.invalid --config "$dir/hato.toml" 2>/dev/null | awk '$1=="INBOX"{print $3}')"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    count_flushes "hato-$who" "$started" "$finished"
    # Hato answers 250 only once the message is durably in INBOX: the last reply is the end.
    if [ "${stored:-0}" != "$N" ]; then echo "hato $who: only ${stored:-?} of $N in INBOX" >&2; tail -5 "$dir/hato.log" >&2; return 1; fi
    results[$who,$mode,$round]="$(rate "$N" "$started" "$finished")"
    echo "hato $who ($mode, round $round): $N in INBOX in $(python3 -c "print(round($finished-$started,2))") s = ${results[$who,$mode,$round]} msg/s;" \
         "$queries DNS queries ($(python3 -c "print(round($queries/$N,3))") per message); server CPU ${cpu_ms[$who,$mode,$round]} ms per message (user/system ${cpu_split[$who,$mode,$round]})"
}

start_postfix() {
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
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
smtpd_peername_lookup = no
disable_dns_lookups = yes
smtp_host_lookup = native
maillog_file_prefixes = $work
maillog_file = $work/postfix.log
EOF
    postfix -c "$pf" check
    postfix -c "$pf" start >/dev/null 2>&1
    wait_port "$pf_port"
    echo "== postfix $(postconf -d -h mail_version): virtual(8) delivery to one Maildir, no DNS, no content checks"
}

run_postfix() {  # mode
    local mode="$1" before delivered started finished master cpu
    before=$(maildir_count)
    master="$(head -1 "$work/pfqueue/pid/master.pid" | tr -d ' ')"
    trace_flushes postfix "$master"
    cpu=$(tree_cpu "$master")
    started=$(now)
    send_load "$pf_port" "$mode" "postfix-$mode-$round"
    # Postfix's 250 means "in my queue"; wait until virtual(8) has written every Maildir file.
    for _ in $(seq 6000); do
        delivered=$(( $(maildir_count) - before ))
        [ "$delivered" -ge "$N" ] && break
        sleep 0.05
    done
    finished=$(now)
    cpu_per_message postfix "$master" "$cpu"
    count_flushes postfix "$started" "$finished"
    if [ "$delivered" != "$N" ]; then echo "postfix: only $delivered of $N in the Maildir" >&2; return 1; fi
    results[postfix,$mode,$round]="$(rate "$N" "$started" "$finished")"
    echo "postfix ($mode, round $round): $N in the Maildir in $(python3 -c "print(round($finished-$started,2))") s = ${results[postfix,$mode,$round]} msg/s;" \
         "server CPU ${cpu_ms[postfix,$mode,$round]} ms per message (user/system ${cpu_split[postfix,$mode,$round]})"
}

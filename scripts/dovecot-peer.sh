#!/usr/bin/env bash
# A private Dovecot IMAP server on loopback for comparisons and interop checks (issue 6).
# It never touches the system Dovecot: its own config, state, logs and Maildirs live in DIR.
#
#   scripts/dovecot-peer.sh start DIR PORT USER PASSWORD   # prints the master PID
#   scripts/dovecot-peer.sh stop DIR
#
# Needs Debian's dovecot-imapd (`apt-get install -y dovecot-imapd`). Plaintext LOGIN is
# allowed (loopback only, no TLS) so that the same client settings work for Hato and Dovecot.
# The imap processes run as the `dovecot` system user (Dovecot refuses mail as root).
set -euo pipefail

cmd="${1:?start|stop}"
dir="${2:?directory}"

case "$cmd" in
start)
    port="${3:?port}"
    user="${4:?user}"
    password="${5:?password}"
    command -v dovecot >/dev/null || { echo "dovecot not installed: apt-get install -y dovecot-imapd" >&2; exit 1; }
    mkdir -p "$dir/run" "$dir/state" "$dir/mail"
    uid="$(id -u dovecot)"
    gid="$(id -g dovecot)"
    chown "$uid:$gid" "$dir/mail"
    printf '%s:{PLAIN}%s\n' "$user" "$password" > "$dir/users"
    chmod 644 "$dir/users"
    cat > "$dir/dovecot.conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
first_valid_uid = $uid
default_login_user = dovenull
default_internal_user = dovecot
default_process_limit = 10000
default_client_limit = 20000
default_vsz_limit = 1G
mail_max_userip_connections = 10000
imap_idle_notify_interval = 2 mins
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
  process_limit = 10000
}
service imap {
  process_limit = 10000
}
service anvil {
  client_limit = 30000
}
service auth {
  client_limit = 30000
}
service stats {
  client_limit = 30000
}
EOF
    dovecot -c "$dir/dovecot.conf"
    for _ in $(seq 1 50); do
        [[ -s "$dir/run/master.pid" ]] && break
        sleep 0.1
    done
    cat "$dir/run/master.pid"
    ;;
stop)
    if [[ -s "$dir/run/master.pid" ]]; then
        doveadm -c "$dir/dovecot.conf" stop 2>/dev/null || kill "$(cat "$dir/run/master.pid")" 2>/dev/null || true
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT USER PASSWORD | stop DIR" >&2
    exit 2
    ;;
esac

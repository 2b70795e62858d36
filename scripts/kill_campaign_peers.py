"""The kill campaign's peers: an outbound SMTP sink and a DNS server that routes to it.

Both run in the campaign's process and outlive every `hato serve` it kills, so what the sink
received is counted across restarts.
"""
import collections
import re
import socket
import struct
import threading

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - told to the operator
    raise SystemExit("the kill campaign needs aiosmtpd for its outbound sink: pip install aiosmtpd")

MARKER = re.compile(rb"^X-Campaign: (\S+)", re.MULTILINE | re.IGNORECASE)


class Sink:
    """An SMTP server that accepts everything and notes, per (marker, recipient), the round
    (server life) of each delivery: a duplicate within one round had no kill to excuse it."""

    def __init__(self):
        self.lock = threading.Lock()
        # (marker, recipient) -> the campaign round (server life) of each delivery
        self.deliveries = collections.defaultdict(list)
        self.round = 0
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        match = MARKER.search(envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode())
        marker = match.group(1).decode() if match else "?"
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.deliveries[(marker, rcpt.lower())].append(self.round)
        return "250 2.0.0 OK"

    def received(self):
        """(marker, recipient) -> the rounds it arrived in, once per delivery."""
        with self.lock:
            return {key: list(rounds) for key, rounds in self.deliveries.items()}

    def stop(self):
        self.controller.stop()


class DNSServer:
    """UDP DNS for the campaign (RFC 1035 §4.1): A and MX for the names given, NODATA for their
    other types, NXDOMAIN for everything else (so SPF, DKIM and DMARC lookups end at once)."""

    A, MX = 1, 15

    def __init__(self, hosts):
        self.hosts = {name.lower().rstrip("."): address for name, address in hosts.items()}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def encode_name(name):
        return b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"

    def answer(self, query):
        ident, flags = struct.unpack("!HH", query[:4])
        offset, labels = 12, []
        while query[offset]:
            length = query[offset]
            labels.append(query[offset + 1:offset + 1 + length].decode("ascii", "replace"))
            offset += 1 + length
        qtype, _ = struct.unpack("!HH", query[offset + 1:offset + 5])
        question = query[12:offset + 5]
        name = ".".join(labels).lower()
        answers = []
        if name in self.hosts:
            rcode = 0
            if qtype == self.A:
                answers.append((self.A, socket.inet_aton(self.hosts[name])))
            elif qtype == self.MX:
                answers.append((self.MX, struct.pack("!H", 10) + self.encode_name(name)))
        else:
            rcode = 3
        header = struct.pack("!HHHHHH", ident, 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode, 1, len(answers), 0, 0)
        records = b"".join(struct.pack("!HHHIH", 0xC00C, rtype, 1, 60, len(data)) + data for rtype, data in answers)
        return header + question + records

    def _serve(self):
        while self.running:
            try:
                query, peer = self.socket.recvfrom(4096)
                self.socket.sendto(self.answer(query), peer)
            except (OSError, IndexError, struct.error):
                continue

    def stop(self):
        self.running = False
        self.socket.close()


class PostgresCluster:
    """A throwaway PostgreSQL (Debian's `postgresql` 15) for `--postgres`: initdb into a
    directory under /tmp, the server on 127.0.0.1 and a free port, user `hato` with a random
    password over SCRAM, one database `hato`. initdb refuses root, so as root it runs as nobody.
    Durable settings (fsync on): the campaign kills hato, not the database."""

    def __init__(self, bin_dir, port):
        import os
        import secrets
        import subprocess
        import tempfile
        import time
        self.bin_dir, self.port = bin_dir, port
        self.password = secrets.token_hex(16)
        self.dir = tempfile.mkdtemp(prefix="hato-kill-pg-", dir="/tmp")
        prefix = []
        if os.geteuid() == 0:
            import pwd
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            prefix = ["runuser", "-u", "nobody", "--"]
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        if prefix:
            os.chown(pwfile, nobody.pw_uid, nobody.pw_gid)
        data = os.path.join(self.dir, "data")
        initdb = subprocess.run(prefix + [f"{bin_dir}/initdb", "-D", data, "-U", "hato", "--auth-local=trust",
                                          "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale"],
                                capture_output=True, text=True)
        os.unlink(pwfile)
        if initdb.returncode != 0:
            raise SystemExit(f"initdb failed: {initdb.stdout} {initdb.stderr}")
        self.log = open(os.path.join(self.dir, "postgres.log"), "a")
        self.process = subprocess.Popen(prefix + [f"{bin_dir}/postgres", "-D", data, "-p", str(port), "-k", self.dir,
                                                  "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
                                        stdout=self.log, stderr=self.log, start_new_session=True)
        for _ in range(300):
            if subprocess.run([f"{bin_dir}/pg_isready", "-q", "-h", self.dir, "-p", str(port)]).returncode == 0:
                break
            if self.process.poll() is not None:
                raise SystemExit("postgres exited; see " + self.log.name)
            time.sleep(0.1)
        created = subprocess.run([f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "hato", "hato"],
                                 env={**os.environ, "PGPASSWORD": self.password}, capture_output=True, text=True)
        if created.returncode != 0:
            raise SystemExit(f"createdb failed: {created.stderr}")

    def store_section(self, password_file):
        with open(password_file, "w") as f:
            f.write(self.password)
        return (f'[store]\nbackend = "postgres"\nurl = "postgres://hato@127.0.0.1:{self.port}/hato"\n'
                f'password_file = "{password_file}"\ntls = "disable"\nmax_connections = 10\n')

    def stop(self):
        import os
        import shutil
        import signal
        # runuser does not pass signals on: the postmaster's own pid, from its pid file.
        try:
            with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
                os.kill(int(f.readline()), signal.SIGINT)
        except (OSError, ValueError):
            self.process.send_signal(signal.SIGINT)
        self.process.wait(60)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

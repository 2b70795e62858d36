#!/usr/bin/env python3
"""IMAP load generator (issue 6): C concurrent clients doing a mix of commands for T seconds.

Each client logs in over its own connection, then repeatedly picks one operation by weight:
SELECT, FETCH 1:* FLAGS, FETCH of message bodies, STORE flags, APPEND, SEARCH, EXPUNGE, IDLE.
Reports operations per second and latency percentiles per operation and in total. Works
against any IMAP server (Hato, Dovecot, ...) given host, port and credentials.

    scripts/bench-imap.py --host 127.0.0.1 --port 1143 --user bench@example.com --password ... \
        --clients 8 --seconds 30 [--tls] [--messages 500] [--label hato] [--json out.json]

    # memory per idle connection: N sessions in IDLE, server memory (PSS of PID and its children) from /proc
    scripts/bench-imap.py ... --idle-sessions 5000 --server-pid 1234

Every client uses its own mailbox (bench-<n>) so EXPUNGE in one does not renumber another's
messages; the mailboxes are filled with --messages messages first (not timed).
Only the Python standard library is used.
"""
import argparse
import asyncio
import imaplib
import json
import os
import random
import socket
import ssl
import statistics
import sys
import time

import bench_imap_wire

MIX = [  # (operation, weight)
    ("select", 5),
    ("fetch_flags", 20),
    ("fetch_body", 20),
    ("store", 15),
    ("append", 10),
    ("search", 15),
    ("expunge", 5),
    ("idle", 10),  # IDLE, a short pause (not counted), DONE: the latency is the two round trips
]


def make_message(n, size):
    body_line = "The quick brown fox jumps over the lazy dog %d.\r\n" % n
    body = body_line * max(1, size // len(body_line))
    return (
        "From: Bench Sender <sender%d@example.org>\r\n"
        "To: bench@example.com\r\n"
        "Subject: benchmark message %d %s\r\n"
        "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n"
        "Message-ID: <bench-%d-%d@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n" % (n, n, random.choice(["alpha", "beta", "gamma", "delta"]), n, random.getrandbits(40))
        + body
    ).encode()


def connect(args, timeout=60):
    """A logged-in connection: the lean client of bench_imap_wire.py, or imaplib (--client)."""
    ctx = None
    if args.tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if getattr(args, "client", "wire") == "imaplib":
        conn = (imaplib.IMAP4_SSL(args.host, args.port, ssl_context=ctx, timeout=timeout) if ctx
                else imaplib.IMAP4(args.host, args.port, timeout=timeout))
    else:
        conn = bench_imap_wire.Wire(args.host, args.port, timeout=timeout, ssl_context=ctx)
    conn.login(args.user, args.password)
    return conn


def client_cpu_seconds():
    """This process's own CPU time (user + system): the load generator's share of the machine."""
    t = os.times()
    return t.user + t.system


def check(typ, data, what):
    if typ != "OK":
        raise RuntimeError("%s failed: %s %r" % (what, typ, data))


class Client:
    def __init__(self, args, index):
        self.args = args
        self.mailbox = "%s-%d" % (args.mailbox_prefix, index)
        self.conn = connect(args)
        self.latencies = {name: [] for name, _ in MIX}
        self.errors = 0
        self.counter = 0
        self.stale = False
        self.paused_total = 0.0  # the scripted IDLE pauses: client time, not server work

    def prepare(self):
        c = self.conn
        typ, _ = c.create(self.mailbox)  # NO when it exists: fine
        typ, data = c.select(self.mailbox)
        check(typ, data, "SELECT")
        exists = int(data[0])
        for n in range(exists, self.args.messages):
            check(*c.append(self.mailbox, None, None, make_message(n, self.args.message_size)), "APPEND")
        check(*c.select(self.mailbox), "SELECT")

    def exists(self):
        typ, data = self.conn.select(self.mailbox)
        check(typ, data, "SELECT")
        return int(data[0])

    def op_select(self):
        check(*self.conn.select(self.mailbox), "SELECT")

    def op_fetch_flags(self):
        check(*self.conn.fetch("1:*", "(UID FLAGS)"), "FETCH FLAGS")

    def op_fetch_body(self):
        # what a client opening a message does: a few bodies, headers and structure
        start = random.randint(1, max(1, self.count - 4))
        check(*self.conn.fetch("%d:%d" % (start, start + 4), "(UID RFC822.SIZE BODYSTRUCTURE BODY.PEEK[])"), "FETCH BODY")

    def op_store(self):
        n = random.randint(1, max(1, self.count))
        flag = random.choice(["\\Seen", "\\Flagged", "$Label1"])
        check(*self.conn.store(str(n), random.choice(["+FLAGS", "-FLAGS"]), "(%s)" % flag), "STORE")

    def op_append(self):
        self.counter += 1
        check(*self.conn.append(self.mailbox, "(\\Seen)", None, make_message(self.counter, self.args.message_size)), "APPEND")
        self.count += 1

    def op_search(self):
        criteria = random.choice([
            ("UNSEEN",), ("FLAGGED",), ("SUBJECT", "gamma"), ("FROM", "sender1"), ("BODY", '"lazy dog 7"'),
            ("SINCE", "1-Jan-2020"), ("LARGER", "1000"),
        ])
        check(*self.conn.search(None, *criteria), "SEARCH")

    def op_expunge(self):
        # keep the mailbox near its initial size: delete one message if it grew
        if self.count > self.args.messages:
            check(*self.conn.store(str(self.count), "+FLAGS", "(\\Deleted)"), "STORE \\Deleted")
        typ, data = self.conn.expunge()
        check(typ, data, "EXPUNGE")
        self.stale = True  # the message count is read again (untimed) before the next operation

    def op_idle(self):
        # IDLE, wait for the continuation, then DONE after a short pause (RFC 2177)
        c = self.conn
        tag = c._new_tag().decode()
        c.send(("%s IDLE\r\n" % tag).encode())
        line = c.readline()
        while not line.startswith(b"+"):
            if line.startswith(tag.encode()):
                raise RuntimeError("IDLE refused: %r" % line)
            line = c.readline()
        time.sleep(self.args.idle_pause)
        self.paused = self.args.idle_pause  # not counted as latency
        c.send(b"DONE\r\n")
        while True:
            line = c.readline()
            if not line:
                raise RuntimeError("connection closed during IDLE")
            if line.startswith(tag.encode()):
                if b" OK" not in line:
                    raise RuntimeError("IDLE ended with %r" % line)
                break

    def run(self, deadline):
        """Operations until `deadline` (time.time(), shared by every client process)."""
        self.count = self.exists()
        mix = self.args.weights or MIX
        names = [name for name, _ in mix]
        weights = [w for _, w in mix]
        done = 0
        while time.time() < deadline and (not self.args.operations or done < self.args.operations):
            done += 1
            if self.stale:
                self.count = self.exists()
                self.stale = False
            name = random.choices(names, weights)[0]
            t0 = time.perf_counter()
            self.paused = 0.0
            try:
                getattr(self, "op_" + name)()
            except Exception as error:  # counted, reported, and the client reconnects
                self.errors += 1
                if self.errors <= 3:
                    print("client %s: %s: %s" % (self.mailbox, name, error), file=sys.stderr)
                try:
                    self.conn = connect(self.args)
                    self.count = self.exists()
                except Exception:
                    time.sleep(0.5)
                continue
            self.paused_total += self.paused
            self.latencies[name].append(time.perf_counter() - t0 - self.paused)
        try:
            self.conn.logout()
        except Exception:
            pass


def mix_client(args, index, start_at, deadline, out):
    """One mix client in its own process (one Python process for all clients was bound by
    its interpreter lock, which capped both servers alike and hid the difference)."""
    random.seed(1 + index)
    client = Client(args, index)
    while time.time() < start_at:
        time.sleep(0.001)
    cpu = client_cpu_seconds()
    client.run(deadline)
    out.send((client.latencies, client.errors, client.paused_total, client_cpu_seconds() - cpu))
    out.close()


def run_mix(args):
    """Prepares one mailbox per client, runs the clients in processes from one start time to one
    deadline; returns (latencies by operation, errors, seconds, mean scripted pause per client)."""
    import multiprocessing
    print("preparing %d mailboxes with %d messages each ..." % (args.clients, args.messages), file=sys.stderr)
    for n in range(args.clients):
        preparer = Client(args, n)
        preparer.prepare()
        preparer.conn.logout()
    start_at = time.time() + 1.0 + args.clients * 0.02
    deadline = start_at + args.seconds
    args.window = (start_at, deadline)
    pipes, workers = [], []
    for n in range(args.clients):
        receiving, sending = multiprocessing.Pipe(duplex=False)
        worker = multiprocessing.Process(target=mix_client, args=(args, n, start_at, deadline, sending))
        worker.start()
        pipes.append(receiving)
        workers.append(worker)
    if args.server_pid:
        import proc_tree_cpu
        args.server_cpu_user, args.server_cpu_system = proc_tree_cpu.over_window_split(args.server_pid, start_at, deadline)
        args.server_cpu_seconds = args.server_cpu_user + args.server_cpu_system
    merged = {name: [] for name, _ in MIX}
    errors, paused = 0, 0.0
    args.client_cpu_seconds = 0.0
    for receiving in pipes:
        latencies, failed, pause, cpu = receiving.recv()
        errors += failed
        paused += pause
        args.client_cpu_seconds += cpu
        for name, values in latencies.items():
            merged[name] += values
    for worker in workers:
        worker.join()
    return merged, errors, args.seconds, paused / max(1, args.clients)


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def report_latencies(label, latencies, clients, errors, seconds, profile="mix", paused=0.0):
    # ops/s is over each client's time minus the mix's scripted IDLE pauses (`paused`, the mean
    # per client): those 50 ms sleeps are the same for every server and took most of a mix
    # client's time, which pulled every ratio towards 1. The wall-clock rate is kept beside it.
    rows = {}
    everything = []
    for name, values in latencies.items():
        values = sorted(values)
        everything += values
        rows[name] = values
    everything.sort()
    busy = max(seconds - paused, 1e-9)
    result = {"label": label, "profile": profile, "seconds": seconds, "clients": clients,
              "errors": errors, "paused_seconds_per_client": paused, "operations": {}}
    if paused:
        print("\n(%s: %.1f s of each client's %.0f s were scripted IDLE pauses, left out of ops/s)" % (label, paused, seconds))
    print("\n== %s (%s): %d clients, %.0f s, %d errors" % (label, profile, clients, seconds, errors))
    print("%-12s %9s %9s %9s %9s %9s %9s" % ("operation", "count", "ops/s", "p50 ms", "p90 ms", "p99 ms", "max ms"))
    for name, values in list(rows.items()) + [("total", everything)]:
        entry = {
            "count": len(values), "ops_per_second": len(values) / busy, "ops_per_second_wall": len(values) / max(seconds, 1e-9),
            "p50_ms": percentile(values, 50) * 1000, "p90_ms": percentile(values, 90) * 1000,
            "p99_ms": percentile(values, 99) * 1000, "max_ms": (values[-1] * 1000 if values else 0.0),
        }
        result["operations"][name] = entry
        print("%-12s %9d %9.1f %9.2f %9.2f %9.2f %9.2f" % (
            name, entry["count"], entry["ops_per_second"], entry["p50_ms"], entry["p90_ms"], entry["p99_ms"], entry["max_ms"]))
    return result


async def idle_session(args, ready, stop):
    if args.tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        reader, writer = await asyncio.open_connection(args.host, args.port, ssl=ctx)
    else:
        reader, writer = await asyncio.open_connection(args.host, args.port)

    async def until(tag):
        while True:
            line = await reader.readline()
            if not line:
                raise RuntimeError("closed")
            if line.startswith(tag):
                return line

    await reader.readline()  # greeting
    user = args.user.replace("\\", "\\\\").replace('"', '\\"')
    password = args.password.replace("\\", "\\\\").replace('"', '\\"')
    # A server that bounds its password checks answers a flood of logins with a temporary
    # failure (`NO [UNAVAILABLE]`, RFC 5530); a real client tries again later, so this one does,
    # after a random pause, up to 50 times.
    for attempt in range(50):
        writer.write(('a%d LOGIN "%s" "%s"\r\n' % (attempt, user, password)).encode())
        answer = await until(b"a%d " % attempt)
        if b" OK" in answer:
            break
        if b"[UNAVAILABLE]" not in answer:
            raise RuntimeError("LOGIN failed: %r" % answer[:80])
        await asyncio.sleep(0.2 + random.random())
    else:
        raise RuntimeError("LOGIN failed: still unavailable after 50 tries")
    writer.write(b"b SELECT INBOX\r\n")
    await until(b"b ")
    writer.write(b"c IDLE\r\n")
    await until(b"+")
    ready()
    await stop.wait()
    writer.write(b"DONE\r\nd LOGOUT\r\n")
    try:
        await asyncio.wait_for(until(b"d "), 10)
    except Exception:
        pass
    writer.close()


def memory_kib(pid):
    """Proportional set size (PSS) of the process and all its descendants, in KiB: for a
    multi-process server (Dovecot) shared pages are counted once, split between the sharers."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack += children.get(p, [])
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


async def measure_idle(args):
    stop = asyncio.Event()
    count = {"ready": 0}

    def ready():
        count["ready"] += 1

    before = memory_kib(args.server_pid) if args.server_pid else None
    tasks = []
    for n in range(args.idle_sessions):
        tasks.append(asyncio.create_task(idle_session(args, ready, stop)))
        if n % 100 == 99:
            await asyncio.sleep(0.05)  # do not trip connection-rate limits
    deadline = time.monotonic() + args.idle_timeout
    while count["ready"] < args.idle_sessions and time.monotonic() < deadline:
        failed = sum(1 for t in tasks if t.done() and t.exception() is not None)
        if failed and count["ready"] + failed >= args.idle_sessions:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)
    after = memory_kib(args.server_pid) if args.server_pid else None
    failures = [t.exception() for t in tasks if t.done() and t.exception() is not None]
    result = {"label": args.label, "idle_sessions": args.idle_sessions, "ready": count["ready"], "failed": len(failures)}
    print("\n== %s: %d of %d sessions in IDLE (%d failed)" % (args.label, count["ready"], args.idle_sessions, len(failures)))
    if failures:
        print("first failure: %r" % (failures[0],))
    if before is not None:
        per = (after - before) / max(1, count["ready"])
        result.update({"pss_before_kib": before, "pss_after_kib": after, "kib_per_session": per})
        print("server memory (PSS, all processes) %d KiB -> %d KiB: %.1f KiB per idle session" % (before, after, per))
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", default=os.environ.get("IMAP_PASSWORD"))
    p.add_argument("--tls", action="store_true", help="implicit TLS (IMAPS); certificates are not verified")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--messages", type=int, default=200, help="messages per client mailbox before the run")
    p.add_argument("--message-size", type=int, default=4000)
    p.add_argument("--idle-pause", type=float, default=0.05, help="seconds a mix IDLE lasts")
    p.add_argument("--weights", help="mix: other weights, e.g. search=1 (one operation alone) or "
                                     "fetch_body=2,store=1; operations not named are left out")
    p.add_argument("--operations", type=int, default=0,
                   help="mix: each client stops after this many operations (0: none), so that instruction counts of "
                        "two builds cover the same operations (scripts/callgrind-imap.sh OPERATIONS=...)")
    p.add_argument("--client", choices=["wire", "imaplib"], default="wire",
                   help="the IMAP client: wire (scripts/bench_imap_wire.py, lean; the default since 2026-12-07) or "
                        "Python's imaplib (what every figure before that date used)")
    p.add_argument("--mailbox-prefix", default="bench")
    p.add_argument("--label", default="server")
    p.add_argument("--json", help="append the result as one JSON line to this file")
    p.add_argument("--profile", choices=["mix", "persistent", "churn"], default="mix",
                   help="mix: the weighted mix below; persistent / churn: the session loop of bench_imap_sessions.py, "
                        "staying logged in or with LOGIN and LOGOUT around every round")
    p.add_argument("--mailboxes", type=int, help="persistent / churn: mailboxes shared out among the clients (default 2 per client)")
    p.add_argument("--idle-sessions", type=int, default=0, help="instead of the mix: open N IDLE sessions")
    p.add_argument("--idle-timeout", type=float, default=300)
    p.add_argument("--server-pid", type=int, help="server process (with its children): its memory in idle mode, its CPU time over the timed window otherwise")
    args = p.parse_args()
    if args.password is None:
        p.error("--password or IMAP_PASSWORD is required")
    random.seed(1)
    if args.weights:
        known = dict(MIX)
        pairs = [item.split("=") for item in args.weights.split(",")]
        if any(len(pair) != 2 or pair[0] not in known for pair in pairs):
            p.error("--weights: name=weight pairs of %s" % ", ".join(known))
        args.weights = [(name, float(weight)) for name, weight in pairs]

    if args.idle_sessions:
        result = asyncio.run(measure_idle(args))
    elif args.profile != "mix":
        import bench_imap_sessions
        args.mailboxes = max(args.clients, args.mailboxes or 2 * args.clients)
        latencies, errors, seconds = bench_imap_sessions.run(args, churn=args.profile == "churn")
        result = report_latencies(args.label, latencies, args.clients, errors, seconds, profile=args.profile)
        result["window"] = list(args.window)
    else:
        latencies, errors, seconds, paused = run_mix(args)
        result = report_latencies(args.label, latencies, args.clients, errors, seconds, paused=paused)
    if getattr(args, "server_cpu_seconds", None) is not None:
        # The server's CPU time (its process and children, scripts/proc_tree_cpu.py) over the
        # timed window: a figure the machine's load and the client disturb far less than ops/s.
        result["server_cpu_seconds"] = args.server_cpu_seconds
        total = result["operations"]["total"]["count"]
        result["server_cpu_ms_per_operation"] = args.server_cpu_seconds * 1000 / max(1, total)
        split = ""
        if getattr(args, "server_cpu_user", None) is not None:
            result["server_cpu_user_seconds"], result["server_cpu_system_seconds"] = args.server_cpu_user, args.server_cpu_system
            split = " (user %.2f s, system %.2f s)" % (args.server_cpu_user, args.server_cpu_system)
        print("server CPU: %.2f s, %.3f ms per operation%s" % (args.server_cpu_seconds, result["server_cpu_ms_per_operation"], split))
    if getattr(args, "client_cpu_seconds", None) is not None:
        # The load generator's own CPU over the window (every client process): on a small
        # machine it competes with the server for the same cores, so it bounds the rate.
        total = result["operations"]["total"]["count"]
        result["client"] = args.client
        result["client_cpu_seconds"] = args.client_cpu_seconds
        result["client_cpu_ms_per_operation"] = args.client_cpu_seconds * 1000 / max(1, total)
        print("client CPU (%s): %.2f s, %.3f ms per operation" % (args.client, args.client_cpu_seconds,
                                                               result["client_cpu_ms_per_operation"]))
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()

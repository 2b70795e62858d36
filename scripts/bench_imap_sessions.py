"""IMAP session profiles for scripts/bench-imap.py (issue 24): the command loop of a client that
stays logged in ("persistent"), and the same loop with LOGIN and LOGOUT around every round
("churn"). Every client runs in its own process (the Python GIL would otherwise cap a fast
server at the load generator's speed), owns its mailboxes (so EXPUNGE in one never renumbers
another client's view) and loops over them:

    SELECT, FETCH 1:* (UID FLAGS), FETCH n (UID RFC822.SIZE BODY.PEEK[]),
    STORE n +FLAGS (\\Deleted), EXPUNGE, APPEND (a new message, so the mailbox keeps its size)

Messages are 1-80 KB, median 5 KB (log-normal), 70% text/plain, 20% multipart/alternative
(text and HTML), 10% multipart/mixed with a base64 attachment. Only the standard library.
"""
import base64
import imaplib
import math
import multiprocessing
import os
import random
import sys
import time

LOOP = ["select", "fetch_flags", "fetch_body", "store", "expunge", "append"]
CHURN_EXTRA = ["login", "logout"]
WORDS = ("the quick brown fox jumps over lazy dog mail server index session fetch store expunge "
         "append select benchmark alpha beta gamma delta message body text").split()


def message_size(rng):
    """1-80 KB, median 5 KB: log-normal around 5 KB (sigma 0.9), clipped."""
    return int(min(80_000, max(1_000, math.exp(rng.gauss(math.log(5_000), 0.9)))))


def text(rng, size):
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(WORDS) for _ in range(11))
        lines.append(line)
        total += len(line) + 2
    return "\r\n".join(lines) + "\r\n"


def make_message(rng, n, label):
    size = message_size(rng)
    kind = rng.random()
    header = ("From: Sender %d <sender%d@example.org>\r\nTo: bench@bench.invalid\r\n"
              "Subject: %s message %d\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n"
              "Message-ID: <%s-%d-%d@example.org>\r\nMIME-Version: 1.0\r\n"
              % (n % 50, n % 50, rng.choice(WORDS), n, label, n, rng.getrandbits(40)))
    if kind < 0.7:  # 70% text/plain
        return (header + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text(rng, size - len(header))).encode()
    boundary = "b%x" % rng.getrandbits(48)
    if kind < 0.9:  # 20% multipart/alternative: the same text twice, once as HTML
        plain = text(rng, max(200, (size - len(header)) // 2))
        html = "<html><body><p>" + plain.replace("\r\n", "</p>\r\n<p>") + "</p></body></html>\r\n"
        body = ("--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
                "--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s--%s--\r\n"
                % (boundary, plain, boundary, html, boundary))
        return (header + 'Content-Type: multipart/alternative; boundary="%s"\r\n\r\n' % boundary + body).encode()
    # 10%: a short text and a base64 attachment making up the rest
    raw = rng.randbytes(max(300, (size - len(header) - 600) * 3 // 4))
    encoded = base64.encodebytes(raw).decode().replace("\n", "\r\n")
    body = ("--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
            "--%s\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\n"
            "Content-Disposition: attachment; filename=\"a.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s"
            "--%s--\r\n" % (boundary, text(rng, 300), boundary, encoded, boundary))
    return (header + 'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n' % boundary + body).encode()


def check(result, what):
    typ, data = result
    if typ != "OK":
        raise RuntimeError("%s failed: %s %r" % (what, typ, data))
    return data


def login(args):
    if getattr(args, "client", "wire") == "imaplib":
        conn = imaplib.IMAP4(args.host, args.port, timeout=120)
        conn.login(args.user, args.password)
        return conn
    import bench_imap_wire
    conn = bench_imap_wire.Wire(args.host, args.port, timeout=120)
    conn.login(args.user, args.password)
    return conn


POOL = 32  # messages each client appends in turn, made before the timed window


def client_cpu_seconds():
    t = os.times()
    return t.user + t.system


def owned_mailboxes(args, index):
    return ["%s-s%d" % (args.mailbox_prefix, m) for m in range(args.mailboxes) if m % args.clients == index]


def prepare(args, index):
    """Creates and fills this client's mailboxes (not timed)."""
    rng = random.Random(index)
    conn = login(args)
    for name in owned_mailboxes(args, index):
        conn.create(name)  # NO when it exists: fine
        exists = int(check(conn.select(name), "SELECT")[0])
        for n in range(exists, args.messages):
            check(conn.append(name, None, None, make_message(rng, n, "fill")), "APPEND")
    conn.logout()


def run_client(args, index, churn, start_at, deadline, out):
    rng = random.Random(1000 + index)
    names = LOOP + (CHURN_EXTRA if churn else [])
    latencies = {name: [] for name in names}
    errors, counter = 0, 0
    boxes = owned_mailboxes(args, index)
    conn = None if churn else login(args)
    # Making a message (random words, base64) costs the client more CPU than the server spends
    # storing it; made inside the loop it was untimed yet took the cores both share.
    pool = [make_message(rng, n, "loop%d" % index) for n in range(POOL)]
    while time.time() < start_at:
        time.sleep(0.001)
    cpu = client_cpu_seconds()
    box = 0
    while time.time() < deadline:
        name = boxes[box % len(boxes)]
        box += 1
        step = "login"
        try:
            if churn:
                t0 = time.perf_counter()
                conn = login(args)
                latencies["login"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            step = "select"
            count = int(check(conn.select(name), "SELECT")[0])
            t1 = time.perf_counter()
            latencies["select"].append(t1 - t0)
            step = "fetch_flags"
            check(conn.fetch("1:*", "(UID FLAGS)"), "FETCH FLAGS")
            t2 = time.perf_counter()
            latencies["fetch_flags"].append(t2 - t1)
            n = rng.randint(1, max(1, count))
            step = "fetch_body"
            check(conn.fetch(str(n), "(UID RFC822.SIZE BODY.PEEK[])"), "FETCH BODY")
            t3 = time.perf_counter()
            latencies["fetch_body"].append(t3 - t2)
            step = "store"
            check(conn.store(str(rng.randint(1, max(1, count))), "+FLAGS", "(\\Deleted)"), "STORE")
            t4 = time.perf_counter()
            latencies["store"].append(t4 - t3)
            step = "expunge"
            check(conn.expunge(), "EXPUNGE")
            t5 = time.perf_counter()
            latencies["expunge"].append(t5 - t4)
            counter += 1
            message = pool[counter % POOL]
            step = "append"
            t5 = time.perf_counter()
            check(conn.append(name, None, None, message), "APPEND")
            t6 = time.perf_counter()
            latencies["append"].append(t6 - t5)
            if churn:
                step = "logout"
                conn.logout()
                latencies["logout"].append(time.perf_counter() - t6)
        except Exception as error:  # counted, reported, and the client logs in again
            errors += 1
            if errors <= 3:
                print("client %d: %s: %s" % (index, step, error), file=sys.stderr)
            try:
                conn = None if churn else login(args)
            except Exception:
                time.sleep(0.5)
    if conn is not None and not churn:
        try:
            conn.logout()
        except Exception:
            pass
    out.send((latencies, errors, client_cpu_seconds() - cpu))
    out.close()


def run(args, churn):
    """Prepares the mailboxes, runs every client in its own process, returns (latencies by
    operation, errors, elapsed seconds)."""
    print("preparing %d mailboxes of %d messages for %d clients ..." % (args.mailboxes, args.messages, args.clients),
          file=sys.stderr)
    preparers = [multiprocessing.Process(target=prepare, args=(args, i)) for i in range(args.clients)]
    for p in preparers:
        p.start()
    for p in preparers:
        p.join()
        if p.exitcode != 0:
            raise SystemExit("preparing the mailboxes failed")
    start_at = time.time() + 1.0 + args.clients * 0.02
    deadline = start_at + args.seconds
    args.window = (start_at, deadline)  # wall clock, for counting the server's syscalls in it
    pipes, workers = [], []
    for i in range(args.clients):
        receiving, sending = multiprocessing.Pipe(duplex=False)
        worker = multiprocessing.Process(target=run_client, args=(args, i, churn, start_at, deadline, sending))
        worker.start()
        pipes.append(receiving)
        workers.append(worker)
    if getattr(args, "server_pid", None):
        import proc_tree_cpu
        args.server_cpu_seconds = proc_tree_cpu.over_window(args.server_pid, start_at, deadline)
    names = LOOP + (CHURN_EXTRA if churn else [])
    merged = {name: [] for name in names}
    errors = 0
    args.client_cpu_seconds = 0.0
    for receiving in pipes:
        latencies, failed, cpu = receiving.recv()
        errors += failed
        args.client_cpu_seconds += cpu
        for name, values in latencies.items():
            merged[name] += values
    for worker in workers:
        worker.join()
    return merged, errors, args.seconds

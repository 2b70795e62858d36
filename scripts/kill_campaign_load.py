"""The kill campaign's load (one function per client thread), its ledger and the final inventory.

Clients reconnect after every error: the server they talk to is killed under them. A message
counts as acknowledged only once the reply that promises it arrived (250 after DATA, tagged OK
to APPEND); a removal counts as deliberate from the moment the command is about to be sent.
"""
import collections
import email.utils
import imaplib
import poplib
import re
import smtplib
import ssl
import threading
import time

from kill_campaign_peers import MARKER

PASSWORD = "campaign password"
U1, U2, U3 = "u1@example.test", "u2@example.test", "u3@example.test"
TIMEOUT = 15


class Ledger:
    def __init__(self, accounts):
        self.lock = threading.Lock()
        self.accounts = accounts
        self.local = collections.defaultdict(set)    # marker -> accounts that acknowledged a copy
        self.remote = collections.defaultdict(set)   # marker -> outside recipients acknowledged
        self.removed = set()                         # (account, marker) a client tried to remove
        self.interrupted_moves = set()               # (account, marker) whose MOVE got no tagged OK
        self.acks = collections.Counter()
        self.serial = 0

    def new_marker(self, kind):
        with self.lock:
            self.serial += 1
            return f"{kind}{self.serial}x{int(time.time() * 1000) % 100000000}"

    def acknowledged(self, what, marker, local=(), remote=()):
        with self.lock:
            self.acks[what] += 1
            self.local[marker].update(local)
            self.remote[marker].update(remote)

    def removing(self, account, markers):
        with self.lock:
            self.removed.update((account, m) for m in markers)

    def moving(self, account, markers, done):
        with self.lock:
            for m in markers:
                (self.interrupted_moves.discard if done else self.interrupted_moves.add)((account, m))

    def count(self, what, n=1):
        with self.lock:
            self.acks[what] += n

    def summary_line(self):
        with self.lock:
            return ", ".join(f"{k} {v}" for k, v in sorted(self.acks.items()))

    def account(self, found, sink):
        """Compares the ledger with the mailboxes (`found`: (account, marker) -> copies) and the
        sink (`sink`: (marker, recipient) -> the round of each delivery)."""
        with self.lock:
            expected = {(a, m) for m, accounts in self.local.items() for a in accounts}
            lost_local = {(a, m) for a, m in expected if found.get((a, m), 0) == 0 and (a, m) not in self.removed}
            duplicates = {key for key, n in found.items() if n > 1}
            remote = {(m, r) for m, rcpts in self.remote.items() for r in rcpts}
            return {
                "acknowledged": dict(self.acks),
                "local_expected": len(expected),
                "removed": len(self.removed & expected),
                "lost_local": lost_local,
                "local_duplicates": duplicates,
                "unexpected_local_duplicates": duplicates - self.interrupted_moves,
                "remote_expected": len(remote),
                "lost_remote": {key for key in remote if not sink.get(key)},
                "remote_duplicates": sum(1 for rounds in sink.values() if len(rounds) > 1),
                # Sent twice by one server life: no kill fell between the 250 and the record.
                "unexpected_remote_duplicates": {key for key, rounds in sink.items() if len(rounds) != len(set(rounds))},
                "interrupted_moves": len(self.interrupted_moves),
            }


def message(marker, sender, recipients, rng):
    lines = "".join(f"line {i} of {marker} {'x' * rng.randint(0, 70)}\r\n" for i in range(rng.randint(5, 300)))
    return (f"From: {sender}\r\nTo: {', '.join(recipients)}\r\nSubject: campaign {marker}\r\n"
            f"Date: {email.utils.formatdate()}\r\nMessage-ID: <{marker}@campaign.test>\r\nX-Campaign: {marker}\r\n"
            f"\r\n{lines}").encode()


def retry_pause(stop):
    stop.wait(0.05)


def mx_load(ports, ledger, stop, rng):
    """Inbound mail on the MX listener: two local accounts and an alias forwarding outside."""
    rcpts = [U1, U2, "fwd@example.test"]
    while not stop.is_set():
        try:
            with smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=TIMEOUT) as s:
                for _ in range(rng.randint(1, 5)):
                    if stop.is_set():
                        break
                    marker = ledger.new_marker("mx")
                    refused = s.sendmail("sender@remote.test", rcpts, message(marker, "sender@remote.test", rcpts, rng))
                    ledger.acknowledged("smtp messages", marker, local=[a for a in (U1, U2) if a not in refused],
                                        remote=[] if "fwd@example.test" in refused else ["out@sink.test"])
        except (OSError, smtplib.SMTPException):
            retry_pause(stop)


def submission_load(ports, ledger, stop, rng):
    """Authenticated submission over implicit TLS: a local account and an outside address."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    rcpts = [U2, "ext@sink.test"]
    while not stop.is_set():
        try:
            with smtplib.SMTP_SSL("127.0.0.1", ports["submissions"], timeout=TIMEOUT, context=context) as s:
                s.login(U3, PASSWORD)
                for _ in range(rng.randint(1, 5)):
                    if stop.is_set():
                        break
                    marker = ledger.new_marker("sub")
                    refused = s.sendmail(U3, rcpts, message(marker, U3, rcpts, rng))
                    ledger.acknowledged("submissions", marker, local=[U2] if U2 not in refused else [],
                                        remote=[] if "ext@sink.test" in refused else ["ext@sink.test"])
        except (OSError, smtplib.SMTPException):
            retry_pause(stop)


def markers_of(imap, uids):
    """UID -> marker for these UIDs of the selected mailbox."""
    typ, data = imap.uid("FETCH", b",".join(uids), "(BODY.PEEK[HEADER.FIELDS (X-CAMPAIGN)])")
    result = {}
    for item in data or []:
        if isinstance(item, tuple):
            uid = re.search(rb"UID (\d+)", item[0])
            match = MARKER.search(item[1])
            if uid and match:
                result[uid.group(1)] = match.group(1).decode()
    return result


def imap_load(ports, ledger, stop, rng):
    """IMAP on u1: APPEND, UID MOVE to Archive, STORE \\Deleted + EXPUNGE (INBOX and Archive)."""
    while not stop.is_set():
        try:
            imap = imaplib.IMAP4("127.0.0.1", ports["imap"], timeout=TIMEOUT)
            imap.login(U1, PASSWORD)
            while not stop.is_set():
                marker = ledger.new_marker("ap")
                typ, _ = imap.append("INBOX", None, None, message(marker, U1, [U1], rng))
                if typ == "OK":
                    ledger.acknowledged("imap appends", marker, local=[U1])
                for mailbox, keep in (("INBOX", 40), ("Archive", 60)):
                    imap.select(mailbox)
                    uids = imap.uid("SEARCH", None, "ALL")[1][0].split()
                    if len(uids) <= keep:
                        continue
                    chosen = rng.sample(uids, 6)
                    markers = markers_of(imap, chosen)
                    if mailbox == "INBOX":
                        moved = [markers[u] for u in chosen[:3] if u in markers]
                        ledger.moving(U1, moved, done=False)
                        typ, _ = imap.uid("MOVE", b",".join(chosen[:3]), "Archive")
                        if typ == "OK":
                            ledger.moving(U1, moved, done=True)
                            ledger.count("imap moves", len(moved))
                        chosen = chosen[3:]
                    ledger.removing(U1, [markers[u] for u in chosen if u in markers])
                    imap.uid("STORE", b",".join(chosen), "+FLAGS.SILENT", "(\\Deleted)")
                    typ, _ = imap.expunge()
                    if typ == "OK":
                        ledger.count("imap expunges", len(chosen))
        except (OSError, imaplib.IMAP4.error, imaplib.IMAP4.abort):
            retry_pause(stop)


def pop3_load(ports, ledger, stop, rng):
    """POP3 on u2: TOP to read the marker, DELE, QUIT (which commits the deletions)."""
    while not stop.is_set():
        try:
            pop = poplib.POP3("127.0.0.1", ports["pop3"], timeout=TIMEOUT)
            pop.user(U2)
            pop.pass_(PASSWORD)
            count = pop.stat()[0]
            deleted = 0
            if count > 30:
                for n in rng.sample(range(1, count + 1), 5):
                    match = MARKER.search(b"\r\n".join(pop.top(n, 0)[1]))
                    if match:
                        ledger.removing(U2, [match.group(1).decode()])
                    pop.dele(n)
                    deleted += 1
            pop.quit()
            ledger.count("pop3 deletes", deleted)
            stop.wait(0.2)
        except (OSError, poplib.error_proto):
            retry_pause(stop)


LOADS = [mx_load, mx_load, submission_load, imap_load, pop3_load]


def inventory(ports, accounts, password):
    """(account, marker) -> copies, over every mailbox of every account, read over IMAP."""
    found = collections.Counter()
    for account in accounts:
        imap = imaplib.IMAP4("127.0.0.1", ports["imap"], timeout=60)
        imap.login(account, password)
        for line in imap.list()[1]:
            name = re.search(rb'"([^"]*)"$|(\S+)$', line)
            mailbox = (name.group(1) or name.group(2)).decode()
            typ, data = imap.select(f'"{mailbox}"', readonly=True)
            if typ != "OK" or int(data[0]) == 0:
                continue
            typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (X-CAMPAIGN)])")
            for item in data:
                if isinstance(item, tuple):
                    match = MARKER.search(item[1])
                    if match:
                        found[(account, match.group(1).decode())] += 1
        imap.logout()
    return found


def print_summary(args, seed, stats, report, queued, final, status, elapsed):
    print()
    print(f"kills                          {args.kills} ({'two nodes on PostgreSQL, ' if args.postgres else ''}seed {seed}, {elapsed:.0f} s)")
    for name, value in report["acknowledged"].items():
        print(f"acknowledged {name:<18}{value}")
    print(f"local copies acknowledged      {report['local_expected']} (removed on purpose: {report['removed']})")
    print(f"remote copies acknowledged     {report['remote_expected']}")
    print(f"lost local copies              {len(report['lost_local'])}")
    print(f"lost remote copies             {len(report['lost_remote'])} (still queued after the drain: {len(queued)})")
    print(f"duplicates at the sink         {report['remote_duplicates']} (sent again after a kill between the sink's 250"
          f" and the queue's record; within one server life: {len(report['unexpected_remote_duplicates'])})")
    print(f"duplicates in a mailbox        {len(report['local_duplicates'])}"
          f" (after one of the {report['interrupted_moves']} MOVEs a kill cut short:"
          f" {len(report['local_duplicates']) - len(report['unexpected_local_duplicates'])})")
    print(f"store checks after a kill      {args.kills} ({stats['clean']} clean, {stats['repairs']} repaired)")
    for kind, count in sorted(stats["findings"].items()):
        print(f"  findings {kind:<20} {count}")
    print(f"  fixes applied                {stats['repaired']}")
    print(f"damage (other findings)        {len(stats['damage'])}")
    for line in stats["damage"][:20]:
        print(f"  {line}")
    print(f"final store check              exit {final.returncode}: {final.stdout.strip().splitlines()[-1] if final.stdout.strip() else final.stderr.strip()}")
    print(f"final graceful stop            exit {status}")
    for name in ("lost_local", "lost_remote", "unexpected_local_duplicates", "unexpected_remote_duplicates"):
        for item in sorted(report[name])[:20]:
            print(f"  {name}: {item}")

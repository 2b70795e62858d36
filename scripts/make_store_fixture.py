#!/usr/bin/env python3
"""Makes a store fixture with one (old) hato binary: run by scripts/make-store-fixture.sh.

  make_store_fixture.py HATO_BINARY OUTPUT_DIR COMMIT

Everything goes through that binary's own command line and listeners: domains, accounts (one
with a non-ASCII password), an alias, imported mbox and Maildir mail with flags, keywords and
received dates, and, where the build has them, mail submitted over SMTP, flags changed and a
message expunged over IMAP, a message deleted over POP3, a message left in the outbound queue,
a sender policy and a DKIM key. Then it reads everything back through the same build (IMAP
where it serves IMAP, else `hato mailbox export --format maildir` plus the database for what no
command of that build shows) and writes OUTPUT_DIR/data.tar.gz and OUTPUT_DIR/manifest.json.
"""
import json, os, re, shutil, signal, socket, subprocess, sys, tarfile, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "EndToEndTests", "Fixtures", "StoreFormats"))
import store_probe  # noqa: E402  (the same reader StoreUpgradeTests runs against the current build)
from store_fixture_readback import database_copy, export_snapshot, queue_snapshot, table  # noqa: E402

ACCOUNTS = [
    {"address": "alice@example.test", "password": "alice long pw 1"},
    {"address": "bob@example.test", "password": "bob long pw 2"},
    {"address": "carol@example.test", "password": "Pässwörd für Carol ✓"},
]
PASSWORD = {a["address"]: a["password"] for a in ACCOUNTS}
REMOTE = "dave@remote.invalid"
LISTENERS = ["submissions", "imaps", "pop3s"]

INBOX_MBOX = b"""From sender@example.org Mon Jan  5 09:00:00 2026
From: Sender <sender@example.org>
To: alice@example.test
Subject: Plain ASCII
Date: Mon, 05 Jan 2026 09:00:00 +0000
Message-ID: <plain@example.org>

Hello Alice.
>From a line that mboxrd escaped.

From yamada@example.jp Tue Jan  6 10:30:00 2026
From: \xe5\xb1\xb1\xe7\x94\xb0 <yamada@example.jp>
To: alice@example.test
Subject: \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d
Date: Tue, 06 Jan 2026 19:30:00 +0900
Message-ID: <utf8@example.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit
Status: RO

\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\xe3\x80\x82 Gr\xc3\xbc\xc3\x9fe.

From sender@example.org Wed Jan  7 11:45:00 2026
From: Sender <sender@example.org>
To: alice@example.test
Subject: With an attachment
Date: Wed, 07 Jan 2026 11:45:00 +0000
Message-ID: <attachment@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"
X-Keywords: $Label1

--b1
Content-Type: text/plain; charset=us-ascii

See the attached file.
--b1
Content-Type: application/octet-stream; name="data.bin"
Content-Disposition: attachment; filename="data.bin"
Content-Transfer-Encoding: base64

AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v
--b1--

"""

ARCHIVE_MAILDIR = [  # (file name, received time, bytes)
    ("1767225600.M1P1.old:2,S", 1767225600, b"From: a@example.org\nSubject: Archived, seen\n\nOld news.\n"),
    ("1767312000.M2P1.old:2,FRa", 1767312000, b"From: b@example.org\nSubject: Archived, flagged and answered\n\nKeep.\n"),
]

CAROL_MBOX = """From x@example.org Thu Jan  8 08:00:00 2026
From: x@example.org
To: carol@example.test
Subject: In a mailbox with a non-ASCII name

Hallo Carol.

""".encode()


class Build:
    def __init__(self, binary, directory):
        self.binary, self.directory = binary, directory
        self.config = os.path.join(directory, "hato.toml")
        self.data = os.path.join(directory, "data")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HATO_")}

    def run(self, *args, stdin=None, check=True):
        result = subprocess.run([self.binary, *args, "--config", self.config], input=stdin, capture_output=True,
                                env=self.env, timeout=300)
        if check and result.returncode != 0:
            sys.exit(f"hato {' '.join(args)} failed ({result.returncode}): {result.stderr.decode()}")
        return result.stdout.decode()

    def has(self, *command):
        """Whether this build knows a (sub)command: its parent's --help lists it."""
        result = subprocess.run([self.binary, *command[:-1], "--help"], capture_output=True, env=self.env)
        return re.search(rb"^\s+" + re.escape(command[-1].encode()) + rb"\b", result.stdout, re.M) is not None

    def write_config(self, relay=None):
        text = f'hostname = "mail.example.test"\ndata_dir = "{self.data}"\n[listen]\n'
        text += "".join(f'{kind} = ["127.0.0.1:0"]\n' for kind in LISTENERS)
        text += "[accounts]\nscram_iterations = 4096\n"
        if relay:
            text += f'[delivery]\nrelay = "127.0.0.1:{relay}"\n'
        with open(self.config, "w") as file:
            file.write(text)


RUNNING = []  # servers to stop if the script fails half-way


class Server:
    """`hato serve` of the build under test, with its printed listener ports."""

    def __init__(self, build):
        self.lines = []
        RUNNING.append(self)
        log = open(os.path.join(build.directory, "serve.log"), "ab")
        self.process = subprocess.Popen([build.binary, "serve", "--config", build.config], stdout=subprocess.PIPE,
                                        stderr=log, env=build.env, text=True)
        threading.Thread(target=lambda: [self.lines.append(line) for line in self.process.stdout], daemon=True).start()
        deadline = time.time() + 120
        while not all(any(line.startswith(kind + " ") for line in self.lines) for kind in LISTENERS):
            if time.time() > deadline or self.process.poll() is not None:
                sys.exit("hato serve did not start: " + "".join(self.lines))
            time.sleep(0.05)
        time.sleep(1)  # the rest of start-up (the delivery runner, in builds that have one)

    def port(self, kind):
        for line in self.lines:
            if line.startswith(kind + " ") and "listening on" in line:
                return int(line.strip().rsplit(":", 1)[1])
        return None

    def stop(self):
        RUNNING.remove(self)
        self.process.send_signal(signal.SIGTERM)
        if self.process.wait(timeout=60) != 0:
            sys.exit(f"hato serve exited with {self.process.returncode}")


def populate(build):
    build.run("domain", "add", "example.test")
    for account in ACCOUNTS:
        build.run("account", "add", account["address"], "--password-stdin", stdin=(account["password"] + "\n").encode())
    build.run("alias", "add", "info@example.test", "alice@example.test")
    if build.has("account", "sender-policy"):
        build.run("account", "sender-policy", "bob@example.test", "domain")
    if build.has("dkim", "keygen"):
        build.run("dkim", "keygen", "example.test", "--selector", "fixture", "--algorithm", "ed25519")
    inputs = tempfile.mkdtemp(prefix="hato-fixture-input-")
    with open(os.path.join(inputs, "inbox.mbox"), "wb") as file:
        file.write(INBOX_MBOX)
    build.run("mailbox", "import", "alice@example.test", "INBOX", os.path.join(inputs, "inbox.mbox"))
    maildir = os.path.join(inputs, "archive")
    for sub in ["cur", "new", "tmp"]:
        os.makedirs(os.path.join(maildir, sub))
    with open(os.path.join(maildir, "dovecot-keywords"), "w") as file:
        file.write("0 $Work\n")
    for name, when, body in ARCHIVE_MAILDIR:
        path = os.path.join(maildir, "cur", name)
        with open(path, "wb") as file:
            file.write(body)
        os.utime(path, (when, when))
    build.run("mailbox", "import", "alice@example.test", "Archive", maildir)
    with open(os.path.join(inputs, "carol.mbox"), "wb") as file:
        file.write(CAROL_MBOX)
    build.run("mailbox", "import", "carol@example.test", "Projekte/Übersicht", os.path.join(inputs, "carol.mbox"))
    shutil.rmtree(inputs)


def message(sender, recipient, subject, body="Hello.\r\n"):
    return (f"From: {sender}\r\nTo: {recipient}\r\nSubject: {subject}\r\nMessage-ID: <{subject.replace(' ', '.')}@fixture>\r\n"
            f"\r\n{body}").encode()


def submit(port, user, recipients, subject):
    smtp = store_probe.smtplib.SMTP_SSL(store_probe.HOST, port, context=store_probe.tls())
    smtp.ehlo()
    code, text = smtp.docmd("AUTH", "PLAIN " + store_probe.base64.b64encode(store_probe.plain(user, PASSWORD[user])).decode())
    assert code == 235, (code, text)
    refused = smtp.sendmail(user, recipients, message(user, ", ".join(recipients), subject))
    assert not refused, refused
    smtp.quit()


def use_listeners(build, server):
    """Mail in over SMTP, flags and an expunge over IMAP, a deletion over POP3: what this build serves."""
    done = []
    submissions, imaps, pop3s = server.port("submissions"), server.port("imaps"), server.port("pop3s")
    if submissions:
        submit(submissions, "bob@example.test", ["alice@example.test"], "Submitted by Bob")
        submit(submissions, "alice@example.test", ["bob@example.test"], "For Bob, to delete")
        submit(submissions, "alice@example.test", ["bob@example.test"], "For Bob, to keep")
        submit(submissions, "bob@example.test", ["info@example.test"], "To the alias")
        submit(submissions, "carol@example.test", ["carol@example.test"], "Carol to herself")
        submit(submissions, "bob@example.test", [REMOTE], "Queued for a remote host")
        done.append("submitted six messages over SMTP submission (one for a remote host)")
    if imaps:
        imap = store_probe.imap_login(imaps, "alice@example.test", PASSWORD["alice@example.test"])
        assert imap.enable("CONDSTORE")[0] == "OK"
        assert imap.select("INBOX")[0] == "OK"
        uids = imap.uid("SEARCH", "ALL")[1][0].split()
        for uid, flags in [(uids[0], r"(\Seen)"), (uids[1], "($Important)"), (uids[1], r"(\Flagged)"), (uids[2], r"(\Deleted)")]:
            assert imap.uid("STORE", uid, "+FLAGS.SILENT", flags)[0] == "OK"
        assert imap.expunge()[0] == "OK"
        assert imap.select("Archive")[0] == "OK"
        assert imap.uid("STORE", "1", "+FLAGS.SILENT", r"(\Deleted)")[0] == "OK"  # left unexpunged
        assert imap._simple_command("UNSELECT")[0] == "OK"
        assert imap.create("Notes")[0] == "OK"
        assert imap.subscribe("Notes")[0] == "OK"
        assert imap.unsubscribe("Junk")[0] == "OK"
        typ, data = imap.append("Notes", r"(\Draft)", '"01-Feb-2026 08:00:00 +0900"',
                                message("alice@example.test", "alice@example.test", "A draft note"))
        assert typ == "OK", data
        imap.logout()
        done.append("IMAP: flags and a keyword stored, one message expunged, Notes created, appended and subscribed, Junk unsubscribed")
    if pop3s:
        pop = store_probe.poplib.POP3_SSL(store_probe.HOST, pop3s, context=store_probe.tls())
        pop.user("bob@example.test")
        pop.pass_(PASSWORD["bob@example.test"])
        for number in range(1, pop.stat()[0] + 1):
            if any(b"to delete" in line for line in pop.top(number, 0)[1]):
                pop.dele(number)
        pop.quit()
        done.append("POP3: bob deleted one message")
    return done


def wait_for_attempt(build):
    """With a relay configured (builds with a delivery runner), wait until it was tried once."""
    deadline = time.time() + 60
    while time.time() < deadline:
        rows = table(build.run("queue", "list"))
        if rows and all(row.get("ATTEMPTS", "0") != "0" for row in rows):
            return
        time.sleep(0.5)
    sys.exit("the queued message was never attempted")


def main():
    binary, output, commit = sys.argv[1:4]
    work = tempfile.mkdtemp(prefix="hato-fixture-")
    try:
        make(binary, output, commit, work)
    finally:
        for server in RUNNING:
            server.process.kill()
        shutil.rmtree(work, ignore_errors=True)


def make(binary, output, commit, work):
    build = Build(os.path.abspath(binary), work)
    # Builds with a delivery runner get a relay where nothing listens: the attempt fails and the
    # message stays queued (without one they would look up remote.invalid and bounce it). Builds
    # without one refuse the unknown key and get no relay.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    relay = probe.getsockname()[1]
    probe.close()
    build.write_config(relay)
    if subprocess.run([build.binary, "config", "check", "--config", build.config], capture_output=True, env=build.env).returncode != 0:
        relay = None
        build.write_config()
    populate(build)

    server = Server(build)
    actions = use_listeners(build, server)
    if relay:
        wait_for_attempt(build)
    server.stop()

    manifest = {"commit": commit, "accounts": ACCOUNTS, "actions": actions}
    manifest["domains"] = build.run("domain", "list").split()
    manifest["aliases"] = build.run("alias", "list").splitlines()
    manifest["usage"] = {row["ADDRESS"]: {"messages": int(row["MESSAGES"]), "bytes": int(row["BYTES"])}
                         for row in table(build.run("account", "list"))}
    manifest["mailboxList"] = {a["address"]: table(build.run("mailbox", "list", a["address"])) for a in ACCOUNTS}
    if build.has("account", "sender-policy"):
        manifest["senderPolicies"] = {a["address"]: build.run("account", "sender-policy", a["address"]).strip() for a in ACCOUNTS}
    if build.has("dkim", "list"):
        manifest["dkimRecords"] = [line for line in build.run("dkim", "list", "--records").splitlines() if "._domainkey." in line]
    if build.has("queue", "list"):
        manifest["queue"] = queue_snapshot(build)
        manifest["relay"] = relay is not None

    server = Server(build)
    if server.port("imaps"):
        manifest.update(store_probe.snapshot(server.port("imaps"), ACCOUNTS))
        manifest["readBack"] = "IMAP (CONDSTORE, QRESYNC) of this build"
    server.stop()
    if "mailboxes" not in manifest:
        manifest.update(export_snapshot(build, ACCOUNTS))
        manifest["readBack"] = "hato mailbox export --format maildir of this build; MODSEQs, UIDNEXT, subscriptions, expunged UIDs from a copy of its database"
    db, copy = database_copy(build)
    manifest["migrations"] = [row[0] for row in db.execute("SELECT identifier FROM grdb_migrations ORDER BY rowid")]
    db.close()
    shutil.rmtree(copy)

    os.makedirs(output, exist_ok=True)
    with tarfile.open(os.path.join(output, "data.tar.gz"), "w:gz") as tar:
        tar.add(build.data, arcname="data")  # the whole data directory as that build left it
    with open(os.path.join(output, "manifest.json"), "w") as file:
        json.dump(manifest, file, indent=1, ensure_ascii=False, sort_keys=True)
        file.write("\n")
    print(f"wrote {output}: {len(manifest['mailboxes'])} mailboxes, {len(manifest.get('queue', []))} queued, "
          f"migrations {manifest['migrations']}")


if __name__ == "__main__":
    main()

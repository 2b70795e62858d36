import Foundation
import HatoTesting
import MailStore
import Testing

/// Debian's isync (mbsync) against Hato's IMAP server on an ephemeral loopback port: a first
/// sync down, changes on both sides (new messages, flags, a deletion) synced both ways, then two
/// more runs that must change nothing: no duplicates, no losses, bodies intact.
/// Skipped with a message when mbsync is not installed; in CI (.ci/run installs isync) it fails.
@Suite struct MbsyncInteropTests {
    @Test func syncsBothWaysWithoutDuplicatesOrLosses() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mbsync") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("mbsync missing in CI: .ci/run must install isync") }
            return
        }
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(Self.script, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password],
                                          timeout: 300)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let all = "['arrived meanwhile', 'one', 'two', 'written offline']"
        #expect(lines == [
            "SYNC1 local ['one', 'three', 'two'] server ['one', 'three', 'two'] duplicates [] []",
            "BYTES True",
            "SYNC2 local \(all) server \(all) duplicates [] []",
            "FLAGS [('arrived meanwhile', ''), ('one', '\\\\Flagged \\\\Seen'), ('two', '\\\\Answered'), ('written offline', '')] " +
                "[('arrived meanwhile', ''), ('one', 'FS'), ('two', 'R'), ('written offline', '')]",
            "SYNC3 local \(all) server \(all) duplicates [] []",
            "SYNC4 local \(all) server \(all) duplicates [] []",
        ], "\(result.stdout) \(result.stderr)")
        // the store agrees: four messages, none marked deleted, the Maildir one stored intact
        let stored = try await fixture.store.messages(in: fixture.inbox.id)
        #expect(stored.count == 4)
        #expect(stored.allSatisfy { !$0.flags.system.contains(.deleted) })
        var offline: String?
        for message in stored {
            let text = String(decoding: try await fixture.store.readBody(message.body), as: UTF8.self)
            if text.contains("Subject: written offline") { offline = text }
        }
        #expect(offline?.contains("\r\n\r\nhello from the maildir\r\n") == true, "\(offline ?? "missing")")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// Runs mbsync four times with changes between the first two; prints what both sides hold.
    static let script = #"""
import imaplib, os, re, shutil, subprocess, sys, tempfile, time
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
work = tempfile.mkdtemp(prefix="hato-mbsync-")
local = os.path.join(work, "local")
os.makedirs(local)
rc = os.path.join(work, "mbsyncrc")
with open(rc, "w") as f:
    f.write(f"""IMAPAccount hato
Host 127.0.0.1
Port {port}
User {user}
Pass "{password}"
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account hato

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Sync All
Create Both
Expunge Both
SyncState *
""")

def sync(n):
    r = subprocess.run(["mbsync", "-c", rc, "inbox"], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise SystemExit("mbsync run %d failed (%d): %s %s" % (n, r.returncode, r.stdout, r.stderr))

def local_messages():
    out = {}
    for sub in ("cur", "new"):
        d = os.path.join(local, "INBOX", sub)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            subject = re.search(rb"^Subject: (.*?)\r?$", data, re.M).group(1).decode()
            flags = name.split(":2,", 1)[1] if ":2," in name else ""
            out.setdefault(subject, []).append((sub, flags, data))
    return out

def server_messages():
    M = imaplib.IMAP4("127.0.0.1", port)
    M.login(user, password)
    M.select("INBOX")
    typ, data = M.fetch("1:*", "(FLAGS BODY.PEEK[])")
    M.logout()
    out = {}
    items = [d for d in data if isinstance(d, tuple)]
    for meta, body in items:
        subject = re.search(rb"^Subject: (.*?)\r?$", body, re.M).group(1).decode()
        flags = " ".join(sorted(re.search(rb"FLAGS \((.*?)\)", meta).group(1).decode().split()))
        out.setdefault(subject, []).append((flags, body))
    return out

def show(label):
    loc, srv = local_messages(), server_messages()
    dup_local = sorted(s for s, v in loc.items() if len(v) > 1)
    dup_server = sorted(s for s, v in srv.items() if len(v) > 1)
    print(label, "local", sorted(loc), "server", sorted(srv), "duplicates", dup_local, dup_server)
    return loc, srv

def server(action):
    M = imaplib.IMAP4("127.0.0.1", port)
    M.login(user, password)
    M.select("INBOX")
    action(M)
    M.logout()

try:
    # 1. first sync: far to near
    sync(1)
    loc, srv = show("SYNC1")
    # the bodies arrive byte for byte
    # mbsync stores LF line endings and adds its X-TUID header; otherwise byte for byte
    def same(local_bytes, server_bytes):
        return re.sub(rb"^X-TUID: .*\n", b"", local_bytes.replace(b"\r\n", b"\n"), flags=re.M) == server_bytes.replace(b"\r\n", b"\n")
    print("BYTES", all(same(loc[s][0][2], srv[s][0][1]) for s in srv))
    # 2. near-side changes: a new message, one flagged seen, one deleted
    new_dir = os.path.join(local, "INBOX", "new")
    cur_dir = os.path.join(local, "INBOX", "cur")
    with open(os.path.join(new_dir, "%d.local1.host" % int(time.time())), "wb") as f:
        f.write(b"From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: written offline\r\n"
                b"Message-ID: <offline@example.test>\r\n\r\nhello from the maildir\r\n")
    def find(subject):
        for sub in ("cur", "new"):
            d = os.path.join(local, "INBOX", sub)
            for name in os.listdir(d):
                with open(os.path.join(d, name), "rb") as f:
                    if re.search(rb"^Subject: " + subject.encode() + rb"\r?$", f.read(), re.M):
                        return d, name
    d, name = find("one")
    base = name.split(":2,", 1)[0]
    os.rename(os.path.join(d, name), os.path.join(cur_dir, base + ":2,FS"))
    d, name = find("three")
    os.unlink(os.path.join(d, name))
    # 3. far-side changes at the same time: a new message and a flag
    server(lambda M: (M.append("INBOX", None, None, b"From: Dave <dave@example.test>\r\nTo: alice@example.test\r\n"
                                b"Subject: arrived meanwhile\r\n\r\nnew on the server\r\n"),
                      M.store("2", "+FLAGS", "(\\Answered)")))
    sync(2)
    loc, srv = show("SYNC2")
    print("FLAGS", sorted((s, v[0][0]) for s, v in srv.items()), sorted((s, v[0][1]) for s, v in loc.items()))
    # 4. the same again changes nothing
    sync(3)
    show("SYNC3")
    sync(4)
    show("SYNC4")
finally:
    shutil.rmtree(work, ignore_errors=True)
"""#
}

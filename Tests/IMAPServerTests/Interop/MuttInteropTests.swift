import Foundation
import HatoTesting
import MailStore
import Testing

/// Debian's mutt, driven through tmux, against Hato's IMAP server on an ephemeral loopback
/// port: the index lists the three messages, Enter shows the first one, `d` and `$` delete
/// and expunge it. Skipped with a message when mutt or tmux is missing (fails in CI).
/// With `imap_deflate=yes` mutt negotiates COMPRESS=DEFLATE (RFC 4978); a recording proxy in the
/// script shows the server's side of the connection turning to DEFLATE after the tagged OK.
@Suite struct MuttInteropTests {
    @Test(arguments: ["plain", "deflate"])
    func muttListsReadsAndDeletes(_ mode: String) async throws {
        guard ["/usr/bin/mutt", "/usr/bin/tmux"].allSatisfy({ FileManager.default.isExecutableFile(atPath: $0) }) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("mutt or tmux missing in CI: .ci/run must install them") }
            return
        }
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(Self.script, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password, mode],
                                          timeout: 180)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let deflate = mode == "deflate" ? "DEFLATE True\n" : ""
        #expect(result.stdout == "LIST ['one', 'three', 'two']\nREAD True\n\(deflate)LEFT ['three', 'two']\n",
                "\(result.stdout) \(result.stderr)")
        let stored = try await fixture.store.messages(in: fixture.inbox.id)
        #expect(stored.count == 2)
        try await listener.stop()
        try await fixture.store.close()
    }

    /// Starts mutt in a private tmux server, reads its screen with capture-pane, then checks the
    /// mailbox with imaplib.
    static let script = #"""
import os, socket, subprocess, sys, tempfile, threading, time, imaplib, shutil
port, user, password, deflate = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "deflate"
work = tempfile.mkdtemp(prefix="hato-mutt-")
# With deflate: mutt talks through a proxy that records what the server sends on each connection.
server_sides = []
def proxy(listener):
    while True:
        client, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", port))
        record = bytearray(); server_sides.append(record)
        def pump(a, b, record):
            try:
                while True:
                    data = a.recv(65536)
                    if not data: break
                    if record is not None: record.extend(data)
                    b.sendall(data)
            except OSError: pass
            finally:
                try: b.shutdown(socket.SHUT_WR)
                except OSError: pass
        threading.Thread(target=pump, args=(client, upstream, None), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client, record), daemon=True).start()
mutt_port = port
if deflate:
    proxy_listener = socket.socket(); proxy_listener.bind(("127.0.0.1", 0)); proxy_listener.listen(8)
    mutt_port = proxy_listener.getsockname()[1]
    threading.Thread(target=proxy, args=(proxy_listener,), daemon=True).start()
muttrc = os.path.join(work, "muttrc")
with open(muttrc, "w") as f:
    f.write(f"""
set imap_user="{user}"
set imap_pass="{password}"
set folder="imap://127.0.0.1:{mutt_port}/"
set imap_deflate={"yes" if deflate else "no"}
set spoolfile="+INBOX"
set ssl_starttls=no
set ssl_force_tls=no
set imap_passive=no
set record=""
set move=no
set delete=yes
set quit=yes
set confirmappend=no
set mark_old=no
set sort=date-sent
set index_format="IDX %4C %s"
set pager_index_lines=0
set pager_stop=yes
set header_cache=""
set message_cachedir=""
set certificate_file="{work}/certs"
set mailcap_path=""
set editor="true"
set timeout=1
""")
session = "hatomutt%d" % os.getpid()
def tmux(*args):
    return subprocess.run(["tmux", "-L", session] + list(args), capture_output=True, text=True, check=False)
def screen():
    return tmux("capture-pane", "-p", "-t", session).stdout
def wait_for(text, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = screen()
        if text in s:
            return s
        time.sleep(0.2)
    raise SystemExit("timed out waiting for %r; screen:\n%s" % (text, screen()))
env = dict(os.environ, TERM="xterm", HOME=work, LANG="C.UTF-8")
subprocess.run(["tmux", "-L", session, "new-session", "-d", "-s", session, "-x", "160", "-y", "40",
                "mutt", "-n", "-F", muttrc], env=env, check=True)
try:
    s = wait_for("IDX")
    print("LIST", sorted(l.split(None, 2)[2].strip() for l in s.splitlines() if l.strip().startswith("IDX") or " IDX " in l))
    tmux("send-keys", "-t", session, "Enter")
    s = wait_for("first body")
    print("READ", "Subject: one" in s and "first body" in s)
    tmux("send-keys", "-t", session, "q")
    wait_for("IDX")
    tmux("send-keys", "-t", session, "d")
    time.sleep(0.5)
    tmux("send-keys", "-t", session, "$")
    time.sleep(2)
    tmux("send-keys", "-t", session, "q")
    deadline = time.time() + 20
    while time.time() < deadline and tmux("has-session", "-t", session).returncode == 0:
        time.sleep(0.2)
finally:
    tmux("kill-server")
    shutil.rmtree(work, ignore_errors=True)
if deflate:
    # RFC 4978 §3: after "OK DEFLATE active" CRLF the responses (mutt's FETCHes included) are
    # compressed, so no plain IMAP text follows it.
    marker = b" OK DEFLATE active\r\n"
    print("DEFLATE", any(marker in bytes(r) and b"FETCH" not in bytes(r).split(marker, 1)[1] and len(bytes(r).split(marker, 1)[1]) > 0
                         for r in server_sides))
M = imaplib.IMAP4("127.0.0.1", port)
M.login(user, password)
M.select("INBOX")
typ, data = M.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
print("LEFT", sorted(d[1].decode().strip().split(": ", 1)[1] for d in data if isinstance(d, tuple)))
M.logout()
"""#
}

import Foundation
import HatoTesting
import Testing

/// RFC 4467 URLAUTH and RFC 5524 URLAUTH=BINARY through Python's imaplib against `hato serve`:
/// alice signs URLs of a message she appended; bob, in his own session, fetches them. Expired
/// URLs, a changed token, a URL for another user and URLs after RESETKEY are NIL; malformed
/// commands are tagged BAD (imaplib raises) and the session goes on. The limits are set in the
/// configuration file.
@Suite(.heavy) struct IMAPURLAuthImaplibTests {
    @Test func genURLAuthThenURLFetchFromAnotherUser() async throws {
        let served = try await ServedHato.start("""
            [listen]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [limits]
            imap_urlauth_max_urls = 3
            imap_urlauth_max_url_length = 300
            """, accounts: [("alice@example.test", "long enough pw"), ("bob@example.test", "another long pw")])
        let result = try await Python.run(#"""
            import imaplib, re, sys
            def show(*values): print(re.sub(r":internal:[0-9a-f]{42}", ":internal:T", " ".join(str(v) for v in values)))
            for name in ("GENURLAUTH", "URLFETCH", "RESETKEY"): imaplib.Commands[name] = ("AUTH", "SELECTED")
            port = int(sys.argv[1])
            A = imaplib.IMAP4("127.0.0.1", port); A.login("alice@example.test", "long enough pw")
            B = imaplib.IMAP4("127.0.0.1", port); B.login("bob@example.test", "another long pw")
            caps = A.capability()[1][0].split(); print(b"URLAUTH" in caps, b"URLAUTH=BINARY" in caps)
            msg = (b"From: alice@example.test\r\nSubject: lunch\r\nMIME-Version: 1.0\r\n"
                   b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSi vis pacem, para bellum.\r\n"
                   b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwBiaW4=\r\n--b--\r\n")
            print(A.append("INBOX", None, None, msg)[0])
            owner = "imap://alice%40example.test@localhost/INBOX/;UID=1"
            def sign(rump):
                typ, data = A._simple_command("GENURLAUTH", '"%s"' % rump, "INTERNAL")
                return A._untagged_response(typ, data, "GENURLAUTH")[1][0].decode().strip('"')
            def fetch(conn, *args):
                typ, data = conn._simple_command("URLFETCH", *args)
                return typ, conn._untagged_response(typ, data, "URLFETCH")[1]
            part = sign(owner + "/;SECTION=1;URLAUTH=authuser")
            anonymous = sign(owner + "/;SECTION=1;URLAUTH=anonymous")
            for_bob = sign(owner + "/;SECTION=1;URLAUTH=user+bob%40example.test")
            for_carol = sign(owner + "/;SECTION=1;URLAUTH=user+carol%40example.test")
            expired = sign(owner + ";EXPIRE=2001-02-03T04:05:06Z;URLAUTH=anonymous")
            print(part.startswith(owner + "/;SECTION=1;URLAUTH=authuser:internal:"), len(part.rsplit(":", 1)[1]))
            show(fetch(B, '"%s"' % part))
            show(fetch(B, '"%s"' % anonymous, '"%s"' % for_bob, '"%s"' % for_carol))
            show(fetch(B, '"%s"' % expired))
            bad = part[:-1] + ("1" if part[-1] == "0" else "0")
            show(fetch(B, '"%s"' % bad))
            binary = sign(owner + "/;SECTION=2;URLAUTH=authuser")
            show(fetch(B, '("%s" BINARY BODYPARTSTRUCTURE)' % binary))
            show(A._simple_command("RESETKEY", "INBOX"))
            show(fetch(B, '"%s"' % part))
            fresh = sign(owner + "/;SECTION=1;URLAUTH=authuser")
            show(fresh != part, fetch(B, '"%s"' % fresh)[1][0][1])
            show(A._simple_command("RESETKEY"), fetch(B, '"%s"' % fresh))
            def attempt(conn, name, *args):
                try: return conn._simple_command(name, *args)
                except imaplib.IMAP4.error as e: return "BAD %s" % e
            show(attempt(B, "URLFETCH"))
            show(attempt(B, "URLFETCH", '("x" BINARY BODY)'))
            show(attempt(B, "URLFETCH", '"a"', '"b"', '"c"', '"d"'))
            show(attempt(A, "GENURLAUTH", '"%s;URLAUTH=anonymous"' % owner.rsplit("/", 1)[0], "INTERNAL"))
            show(attempt(A, "GENURLAUTH", '"imap://alice%%40example.test@localhost/%s/;UID=1;URLAUTH=anonymous"' % ("x" * 300), "INTERNAL"))
            print(B.noop()[0], A.noop()[0])
            A.logout(); B.logout()
            """#, arguments: [try served.port("imap")])
        let url = "\"imap://alice%40example.test@localhost/INBOX/;UID=1"
        #expect(result.stdout == """
            True True
            OK
            True 42
            ('OK', [(b'\(url)/;SECTION=1;URLAUTH=authuser:internal:T" {26}', b'Si vis pacem, para bellum.'), b''])
            ('OK', [(b'\(url)/;SECTION=1;URLAUTH=anonymous:internal:T" {26}', b'Si vis pacem, para bellum.'), \
            (b' \(url)/;SECTION=1;URLAUTH=user+bob%40example.test:internal:T" {26}', b'Si vis pacem, para bellum.'), \
            b' \(url)/;SECTION=1;URLAUTH=user+carol%40example.test:internal:T" NIL'])
            ('OK', [b'\(url);EXPIRE=2001-02-03T04:05:06Z;URLAUTH=anonymous:internal:T" NIL'])
            ('OK', [b'\(url)/;SECTION=1;URLAUTH=authuser:internal:T" NIL'])
            ('OK', [(b'\(url)/;SECTION=2;URLAUTH=authuser:internal:T" (BINARY ~{8}', b'\\x00\\x01\\x02\\x03\\x00bin'), \
            b') (BODYPARTSTRUCTURE ("application" "octet-stream" NIL NIL NIL "BINARY" 8 NIL NIL NIL NIL))'])
            ('OK', [b'[URLMECH INTERNAL] RESETKEY completed'])
            ('OK', [b'\(url)/;SECTION=1;URLAUTH=authuser:internal:T" NIL'])
            True b'Si vis pacem, para bellum.'
            ('OK', [b'All keys removed']) ('OK', [b'\(url)/;SECTION=1;URLAUTH=authuser:internal:T" NIL'])
            BAD URLFETCH command error: BAD [b'expected a URL']
            BAD URLFETCH command error: BAD [b'BINARY and BODY cannot both be asked for']
            BAD URLFETCH command error: BAD [b'[LIMIT] too many URLs; the limit is 3 per command']
            BAD GENURLAUTH command error: BAD [b'not an IMAP URL of a message or part ending in ;URLAUTH=<access> without a token']
            BAD GENURLAUTH command error: BAD [b'URL longer than 300 octets']
            OK OK

            """, "\(result.stdout) \(result.stderr)")
        await served.stop()
    }
}

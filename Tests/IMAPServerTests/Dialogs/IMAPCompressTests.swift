import Foundation
import HatoTesting
import Testing

/// RFC 4978 COMPRESS=DEFLATE with Python's imaplib wrapped in zlib (raw DEFLATE, windowBits -15,
/// Z_SYNC_FLUSH after each command as the RFC's §4 suggests), in plaintext and over TLS (the
/// compressor sits above TLS, §3).
@Suite struct IMAPCompressTests {
    /// imaplib with a COMPRESS command: after the tagged OK every command is deflated and every
    /// response inflated; `raw` and `inflated` count the octets received compressed and after.
    static let client = #"""
        import imaplib, io, socket, ssl, sys, zlib
        imaplib.Commands["COMPRESS"] = ("AUTH", "SELECTED")
        class Inflating(io.RawIOBase):
            def __init__(s, sock): s.sock, s.z, s.buf, s.raw, s.inflated = sock, zlib.decompressobj(-15), b"", 0, 0
            def readable(s): return True
            def readinto(s, b):
                while not s.buf:
                    data = s.sock.recv(65536)
                    if not data: return 0
                    s.raw += len(data); s.buf = s.z.decompress(data); s.inflated += len(s.buf)
                n = min(len(b), len(s.buf)); b[:n] = s.buf[:n]; s.buf = s.buf[n:]; return n
        def deflating(base):
            class C(base):
                z = None
                def compress(s):
                    typ, data = s._simple_command("COMPRESS", "DEFLATE")
                    if typ == "OK":
                        s.z = zlib.compressobj(6, zlib.DEFLATED, -15)
                        s.inflating = Inflating(s.sock); s.file = io.BufferedReader(s.inflating)
                    return typ, data
                def send(s, data):
                    if s.z is not None: data = s.z.compress(data) + s.z.flush(zlib.Z_SYNC_FLUSH)
                    s.sock.sendall(data)
            return C
        port, user, password, tls = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "tls"
        if tls:
            context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
            M = deflating(imaplib.IMAP4_SSL)("127.0.0.1", port, ssl_context=context)
        else:
            M = deflating(imaplib.IMAP4)("127.0.0.1", port)

        """#

    /// RFC 4978 §3: OK, then everything compressed both ways; a second COMPRESS gets
    /// BAD [COMPRESSIONACTIVE] and an unknown mechanism BAD, both inside the compressed stream.
    @Test(arguments: ["plain", "tls"])
    func aZlibWrappedImaplibReadsMailCompressed(_ transport: String) async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap", implicitTLS: transport == "tls")
        let result = try await Python.run(Self.client + #"""
            M.login(user, password)
            print("COMPRESS=DEFLATE" in M.capability()[1][0].decode().split())
            print(M.compress())
            print(M.select("INBOX"))
            typ, data = M.fetch("1:*", "(BODY.PEEK[])")
            bodies = [part[1] for part in data if isinstance(part, tuple)]
            print(typ, len(bodies), sum(len(b) for b in bodies))
            try: M.compress()
            except imaplib.IMAP4.error as e: print("BAD", e)
            try: M._simple_command("COMPRESS", "GZIP")
            except imaplib.IMAP4.error as e: print("BAD", e)
            print(M.noop())
            print(M.inflating.raw < M.inflating.inflated, M.inflating.inflated > 0)
            print(M.logout()[0])
            """#, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password, transport])
        let size = IMAPFixture.messages.reduce(0) { $0 + $1.utf8.count }
        #expect(result.stdout == """
            True
            ('OK', [b'DEFLATE active'])
            ('OK', [b'3'])
            OK 3 \(size)
            BAD COMPRESS command error: BAD [b'[COMPRESSIONACTIVE] DEFLATE is already active']
            BAD COMPRESS command error: BAD [b'unknown compression mechanism; DEFLATE is offered']
            ('OK', [b'NOOP completed'])
            True True
            BYE

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// A decompression bomb meets the line and literal limits, not memory, and cannot keep the
    /// server skipping: a 100 KB line over the limit gets BAD [LIMIT] and the session goes on;
    /// an 8 MiB line (a few KB deflated) is skipped for 1 MiB, then `* BYE [LIMIT]` and close;
    /// an 8 MiB non-synchronizing APPEND literal gets BAD [TOOBIG] and BYE at once (RFC 7888 §4,
    /// second choice). A corrupt stream closes the connection. The server runs on its own event
    /// loop: bombs on the shared group once held it long enough in a loaded full run to time
    /// out other suites' DNS.
    @Test func aDecompressionBombMeetsTheLimitsAndACorruptStreamCloses() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap", ownEventLoop: true)
        let result = try await Python.run(Self.client + #"""
            bomb = 8 * 1024 * 1024
            def session():
                m = deflating(imaplib.IMAP4)("127.0.0.1", port)
                m.login(user, password)
                m.compress()
                m.sock.settimeout(60)
                m.z = zlib.compressobj(9, zlib.DEFLATED, -15)
                return m
            def deflated(m, parts):
                out = b""
                for part in parts: out += m.z.compress(part)
                return out + m.z.flush(zlib.Z_SYNC_FLUSH)
            def zeros(n):
                chunk = b"A" * (1024 * 1024)
                for _ in range(n // len(chunk)): yield chunk
            def rest(m):
                # What the server writes until it closes (inflated), then whether it closed.
                lines = []
                while True:
                    line = m.readline()
                    if not line: return lines
                    lines.append(line.decode().strip())
            M.login(user, password)
            print(M.compress()[0])
            M.z = zlib.compressobj(9, zlib.DEFLATED, -15)
            M.sock.sendall(deflated(M, [b"b1 NOOP ", b"A" * 100000, b"\r\nb2 NOOP\r\n"]))
            print(M.readline().decode().strip()); print(M.readline().decode().strip())
            M.sock.sendall(b"\xff" * 64)
            M.sock.settimeout(60)
            print(repr(M.sock.recv(100)))
            L = session()
            line = deflated(L, [b"c1 NOOP "] + list(zeros(bomb)) + [b"\r\nc2 NOOP\r\n"])
            print(len(line) < 64 * 1024)
            L.sock.sendall(line)
            print(rest(L))
            A = session()
            A.sock.sendall(deflated(A, [b"d1 APPEND INBOX {%d+}\r\n" % bomb] + list(zeros(bomb)) + [b"\r\nd2 NOOP\r\n"]))
            print(rest(A))
            """#, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password, "plain"], timeout: 300)
        #expect(result.stdout == """
            OK
            b1 BAD [LIMIT] line too long
            b2 OK NOOP completed
            b''
            True
            ['c1 BAD [LIMIT] line too long', '* BAD [LIMIT] too much refused input to skip', \
            '* BYE [LIMIT] too much refused input to skip under COMPRESS; closing']
            ['d1 BAD [TOOBIG] literal larger than the limit of 1048576 octets', '* BYE [TOOBIG] literal too large to skip; closing']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}

import Foundation
import HatoTesting

/// A remote SMTP server played by aiosmtpd (PyPI), scripted per test: the replies to each DATA in
/// turn, whether it offers 8BITMIME and STARTTLS, whether it wants AUTH, dropping the connection
/// during DATA. Every message it accepts is appended to `received` as one JSON line.
final class ScriptedPeer: Sendable {
    struct Options {
        /// Replies to DATA in order ("451 4.3.0 later", "250 OK", "drop" closes the connection
        /// without a reply); the last one repeats.
        var dataReplies: [String] = ["250 2.0.0 OK"]
        /// Replies to RCPT by address ("bob@remote.test": "550 5.1.1 no such user").
        var rcptReplies: [String: String] = [:]
        var eightBitMIME = true
        /// PEM certificate and key: offer STARTTLS (and require it when `auth` is set).
        var tls: (cert: String, key: String)?
        /// "user:password" required before MAIL.
        var auth: String?
        /// Seconds each DATA takes, to keep a crash window open.
        var delay: Double = 0
        var smtpUTF8 = true
        /// The SIZE it announces (RFC 1870).
        var sizeLimit = 33_554_432
        /// Seconds without a command after which it closes the connection (aiosmtpd's `timeout`).
        var idleTimeout: Double = 300
    }

    static let script = #"""
    import asyncio, json, ssl, sys, time
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    opts = json.loads(sys.argv[1])
    out = open(opts["received"], "a")
    replies = opts["dataReplies"]
    state = {"n": 0}

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            if not opts["eightBitMIME"]:
                responses = [r for r in responses if "8BITMIME" not in r]
            return responses

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            reply = opts["rcptReplies"].get(address)
            if reply:
                return reply
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"

        async def handle_DATA(self, server, session, envelope):
            index = state["n"]; state["n"] += 1
            reply = replies[min(index, len(replies) - 1)]
            if opts["delay"]:
                await asyncio.sleep(opts["delay"])
            if reply == "drop":
                server.transport.close()
                return "421 4.4.2 dropped"
            if reply.startswith("250"):
                out.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                      "mail_options": envelope.mail_options, "tls": session.ssl is not None,
                                      "auth": bool(session.authenticated), "peer": "%s:%d" % tuple(session.peer[:2]),
                                      "data": envelope.original_content.decode("latin-1")}) + "\n")
                out.flush()
            return reply

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, password = opts["auth"].split(":", 1)
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    import socket
    probe = socket.socket(); probe.bind(("127.0.0.1", 0)); free = probe.getsockname()[1]; probe.close()
    kwargs = dict(hostname="127.0.0.1", port=free, decode_data=False, enable_SMTPUTF8=opts["smtpUTF8"], data_size_limit=opts["sizeLimit"],
                  timeout=opts["idleTimeout"])
    if opts.get("cert"):
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(opts["cert"], opts["key"])
        kwargs.update(tls_context=ctx)
    if opts.get("auth"):
        kwargs.update(authenticator=authenticator, auth_required=True, require_starttls=True)
    controller = Controller(Handler(), server_hostname="peer.test", **kwargs)
    controller.start()
    print("PORT", free, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()
    """#

    let process: ChildProcess
    let receivedFile: URL

    static func start(_ options: Options, directory: TemporaryDirectory) async throws -> ScriptedPeer {
        let peer = try ScriptedPeer(options, directory: directory)
        let deadline = Date().addingTimeInterval(60)
        // python -u may write "PORT", " ", the number and "\n" separately: wait for the whole line.
        while peer.process.output.firstMatch(of: /PORT [0-9]+\n/) == nil {
            guard peer.process.process.isRunning, Date() < deadline else {
                throw ConformanceFailure("aiosmtpd did not start: \(peer.process.errorOutput)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return peer
    }

    var port: Int {
        get throws {
            guard let line = process.outputLines.first(where: { $0.hasPrefix("PORT ") }), let port = Int(line.dropFirst(5)) else {
                throw ConformanceFailure("no port from aiosmtpd: \(process.output)")
            }
            return port
        }
    }

    private init(_ options: Options, directory: TemporaryDirectory) throws {
        receivedFile = directory.url.appendingPathComponent("received-\(UUID().uuidString).jsonl")
        FileManager.default.createFile(atPath: receivedFile.path, contents: nil)
        var json: [String: Any] = [
            "received": receivedFile.path, "dataReplies": options.dataReplies, "rcptReplies": options.rcptReplies,
            "eightBitMIME": options.eightBitMIME, "delay": options.delay, "smtpUTF8": options.smtpUTF8, "sizeLimit": options.sizeLimit,
            "idleTimeout": options.idleTimeout,
        ]
        if let tls = options.tls { json["cert"] = tls.cert; json["key"] = tls.key }
        if let auth = options.auth { json["auth"] = auth }
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        process = try Python.start(Self.script, arguments: [argument])
    }

    struct Received: Decodable {
        let from: String
        let to: [String]
        let mail_options: [String]
        let tls: Bool
        let auth: Bool
        /// The client's address and port: one per connection.
        let peer: String
        let data: String
    }

    var received: [Received] {
        get throws {
            let text = try String(contentsOf: receivedFile, encoding: .utf8)
            // Read while the peer may be writing: a last line without its newline is not done yet.
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()
            return try lines.filter { !$0.isEmpty }.map { try JSONDecoder().decode(Received.self, from: Data($0.utf8)) }
        }
    }

    func stop() async {
        process.closeInput()
        _ = await process.exit(timeout: 10)
    }
}

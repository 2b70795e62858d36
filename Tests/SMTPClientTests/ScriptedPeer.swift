import Foundation
import HatoTesting
import Logging
import NIOCore
import NIOPosix
import SMTPClient
import Testing

/// A peer run by Python: the aiosmtpd script in Fixtures/ or a raw socket dialog.
final class ScriptedPeer: Sendable {
    let process: ChildProcess
    let port: Int

    /// aiosmtpd, configured by `config` (keys documented in Fixtures/scripted_peer.py).
    static func aiosmtpd(_ config: [String: Any]) async throws -> ScriptedPeer {
        let script = try #require(Bundle.module.url(forResource: "scripted_peer", withExtension: "py", subdirectory: "Fixtures"))
        let json = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-u", script.path, json])
        return try await ScriptedPeer(process: process)
    }

    /// A raw server: accepts one connection, then runs `dialog` (Python, with `say(text)` adding
    /// CRLF, `send(bytes)`, `hear()` returning one line or None at the end, `conn` the socket).
    /// `receiveBuffer` shrinks the accepted socket's receive buffer (set before listen, so the
    /// TCP window is small from the start).
    static func raw(_ dialog: String, receiveBuffer: Int? = nil) async throws -> ScriptedPeer {
        let script = """
            import socket, sys
            server = socket.socket()
            \(receiveBuffer.map { "server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, \($0))" } ?? "")
            server.bind(("127.0.0.1", 0)); server.listen(1); server.settimeout(60)
            print("PORT %d" % server.getsockname()[1], flush=True)
            conn, _ = server.accept()
            reader = conn.makefile("rb")
            def send(data): conn.sendall(data)
            def say(text): conn.sendall(text.encode() + b"\\r\\n")
            def hear():
                raw = reader.readline()
                if not raw: return None
                line = raw.decode(errors="replace").rstrip("\\r\\n")
                print("HEARD " + line, flush=True)
                return line
            try:
            \(dialog.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            except (BrokenPipeError, ConnectionResetError):
                pass
            print("DONE", flush=True)
            sys.stdin.read()
            """
        return try await ScriptedPeer(process: try Python.start(script))
    }

    private init(process: ChildProcess) async throws {
        self.process = process
        var found: Int?
        for _ in 0..<3000 {
            if let line = process.outputLines.first(where: { $0.hasPrefix("PORT ") }) {
                found = Int(line.dropFirst(5))
                break
            }
            if !process.process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let found else {
            if process.process.isRunning { process.process.terminate() }
            throw PeerFailure("peer did not start: \(process.output) \(process.errorOutput)")
        }
        self.port = found
    }

    var address: SocketAddress { try! SocketAddress(ipAddress: "127.0.0.1", port: port) }

    /// The EVENT lines so far, decoded.
    var events: [[String: Any]] {
        process.outputLines.filter { $0.hasPrefix("EVENT ") }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any]
        }
    }

    /// The lines a raw peer heard from the client.
    var heard: [String] { process.outputLines.filter { $0.hasPrefix("HEARD ") }.map { String($0.dropFirst(6)) } }

    /// Waits (without blocking the pool) until `count` events arrived, up to 30 s.
    func waitForEvents(_ count: Int) async throws -> [[String: Any]] {
        for _ in 0..<1500 {
            let events = self.events
            if events.count >= count { return events }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PeerFailure("expected \(count) events; stdout: \(process.output) stderr: \(process.errorOutput)")
    }

    func stop() async {
        process.closeInput()
        _ = await process.exit(timeout: 10)
    }
}

struct PeerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The received message of an event, as bytes.
func content(of event: [String: Any]) -> [UInt8] {
    guard let text = event["content_b64"] as? String, let data = Data(base64Encoded: text) else { return [] }
    return Array(data)
}

enum ClientTestSupport {
    static let group = MultiThreadedEventLoopGroup.singleton

    static var logger: Logger {
        var logger = Logger(label: "test.smtp-client")
        logger.logLevel = .warning
        return logger
    }

    static func configuration(_ tlsMode: SMTPClientTLSMode = .none) -> SMTPClientConfiguration {
        var configuration = SMTPClientConfiguration(heloName: "client.test", tlsMode: tlsMode)
        configuration.commandTimeout = .seconds(30)
        configuration.dataTimeout = .seconds(30)
        return configuration
    }

    static func connect(_ port: Int, _ configuration: SMTPClientConfiguration, serverName: String = "localhost") async throws -> SMTPClientConnection {
        try await SMTPClientConnection.connect(
            to: try SocketAddress(ipAddress: "127.0.0.1", port: port), serverName: serverName,
            configuration: configuration, eventLoopGroup: group, logger: logger)
    }

    static func message(_ body: String, subject: String = "test") -> [UInt8] {
        Array("From: a@example.org\r\nTo: b@example.test\r\nSubject: \(subject)\r\n\r\n\(body)\r\n".utf8)
    }
}

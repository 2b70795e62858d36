import Foundation
import OutboundQueue
import Synchronization

/// A transport that plays a script instead of opening sockets: which addresses refuse connections
/// and what each transaction gets back. It records every connection and transaction it saw.
final class ScriptedTransport: DeliveryTransport, Sendable {
    struct Transaction: Sendable {
        let target: DeliveryTarget
        let connection: Int
        let envelope: DeliveryEnvelope
        let message: [UInt8]
    }
    struct Log {
        var connects: [DeliveryTarget] = []
        var refused: [DeliveryTarget] = []
        var transactions: [Transaction] = []
        var closed = 0
        var open = 0
        var maxOpen = 0
        var openByHost: [String: Int] = [:]
        var maxOpenByHost: [String: Int] = [:]
    }
    typealias Reply = @Sendable (DeliveryEnvelope, Int) throws -> DeliveryResponse

    private let log = Mutex(Log())
    /// Addresses that refuse connections.
    let refusing: Set<String>
    /// What each transaction gets, by its number (0-based, over the whole transport).
    let reply: Reply
    /// Time each transaction takes, to make concurrency observable.
    let latency: Duration

    init(refusing: Set<String> = [], latency: Duration = .zero, reply: @escaping Reply = { envelope, _ in .accepted(envelope) }) {
        self.refusing = refusing
        self.reply = reply
        self.latency = latency
    }

    var connects: [DeliveryTarget] { log.withLock { $0.connects } }
    var refused: [DeliveryTarget] { log.withLock { $0.refused } }
    var transactions: [Transaction] { log.withLock { $0.transactions } }
    var closed: Int { log.withLock { $0.closed } }
    var maxOpen: Int { log.withLock { $0.maxOpen } }
    func maxOpen(to host: String) -> Int { log.withLock { $0.maxOpenByHost[host] ?? 0 } }

    func connect(to target: DeliveryTarget) async throws(DeliveryTransportError) -> any DeliverySession {
        let refused = refusing.contains(target.address)
        let number = log.withLock { log -> Int in
            log.connects.append(target)
            if refused { log.refused.append(target); return -1 }
            log.open += 1
            log.maxOpen = max(log.maxOpen, log.open)
            log.openByHost[target.hostname, default: 0] += 1
            log.maxOpenByHost[target.hostname] = max(log.maxOpenByHost[target.hostname] ?? 0, log.openByHost[target.hostname]!)
            return log.connects.count
        }
        if refused { throw .connection("connection refused") }
        return Session(transport: self, target: target, number: number)
    }

    final class Session: DeliverySession {
        let transport: ScriptedTransport
        let target: DeliveryTarget
        let number: Int
        init(transport: ScriptedTransport, target: DeliveryTarget, number: Int) {
            self.transport = transport
            self.target = target
            self.number = number
        }

        func send(_ envelope: DeliveryEnvelope, message: [UInt8]) async throws(DeliveryTransportError) -> DeliveryResponse {
            if transport.latency > .zero { try? await Task.sleep(for: transport.latency) }
            let index = transport.log.withLock { log in
                log.transactions.append(Transaction(target: target, connection: number, envelope: envelope, message: message))
                return log.transactions.count - 1
            }
            do {
                return try transport.reply(envelope, index)
            } catch let error as DeliveryTransportError {
                throw error
            } catch {
                throw .connection("\(error)")
            }
        }

        func close() async {
            let host = target.hostname
            transport.log.withLock { log in
                log.closed += 1
                log.open -= 1
                log.openByHost[host, default: 1] -= 1
            }
        }
    }
}

extension DeliveryReply {
    static let ok = DeliveryReply(code: 250, enhancedCode: "2.0.0", text: "ok")
}

extension DeliveryResponse {
    static func accepted(_ envelope: DeliveryEnvelope) -> DeliveryResponse {
        DeliveryResponse(mailFrom: .ok, recipients: envelope.recipients.map { _ in .ok }, data: .ok)
    }
    /// Every recipient refused (or deferred) with this reply at RCPT.
    static func refused(_ envelope: DeliveryEnvelope, _ reply: DeliveryReply) -> DeliveryResponse {
        DeliveryResponse(mailFrom: .ok, recipients: envelope.recipients.map { _ in reply }, data: nil)
    }
}

import Foundation
import Logging
import MailStore

/// Delivers one batch over as few connections as it can: routes the destination, takes the
/// connection an earlier batch left open for it (`IdleConnections`) or connects to the first host
/// and address that answers (RFC 5321 §5.1: each MX in order, each of its addresses), then sends
/// the batch's messages one after another on that connection and leaves it open for the next.
struct DestinationWorker: Sendable {
    let router: DeliveryRouter
    let transport: any DeliveryTransport
    let store: any MailStore
    let recorder: OutcomeRecorder
    let tlsSessions: TLSSessionRecorder
    let idle: IdleConnections
    let logger: Logger
    /// True once the server is shutting down: the message in progress finishes, the rest wait.
    let isStopping: @Sendable () -> Bool

    func run(_ batch: DeliveryBatch) async {
        let hosts: [RouteHost]
        do {
            hosts = try await router.hosts(for: batch.domain)
        } catch {
            logger.notice("no route", metadata: ["destination": "\(batch.destination)", "reason": "\(error.reply)"])
            for item in batch.items {
                await recorder.settle(item, Array(repeating: .from(error.reply, remote: nil), count: item.recipients.count))
            }
            return
        }
        // RFC 8689: REQUIRETLS and "TLS-Required: No" messages need connections chosen for them.
        var started = false
        for requirement in [TLSRequirement.policy, .required, .optional] {
            let items = batch.items.filter { Self.requirement(of: $0.message) == requirement }
            guard !items.isEmpty else { continue }
            if started && isStopping() { return }
            started = true
            let key = IdleConnections.key(batch.destination, requirement, hosts)
            guard await deliver(items, hosts: hosts, domain: batch.domain, requirement: requirement, key: key) else { return }
        }
    }

    /// How a message's connection is chosen: a bounce (null sender) with REQUIRETLS goes as if it
    /// had none, and carries the parameter where the peer offers it (RFC 8689 §5).
    static func requirement(of message: QueuedMessage) -> TLSRequirement {
        message.tlsRequirement == .required && message.mailFrom == nil ? .policy : message.tlsRequirement
    }

    /// Sends `items` in turn over one connection (opened again after a failure, and after it carried
    /// `delivery.max_messages_per_connection`); false when the server is stopping and the rest must wait.
    func deliver(_ items: [DeliveryBatch.Item], hosts: [RouteHost], domain: String, requirement: TLSRequirement,
                 key: IdleConnections.Key) async -> Bool {
        var session: (connection: any DeliverySession, target: DeliveryTarget)?
        var sent = 0
        var stopped = false
        for (index, item) in items.enumerated() {
            if index > 0 && isStopping() {
                stopped = true
                break
            }
            if let current = session, sent >= idle.maxMessages {
                await current.connection.close()
                session = nil
            }
            if session == nil, let reused = await reuse(key, hosts: hosts, domain: domain, requirement: requirement) {
                session = (reused.session, reused.target)
                sent = reused.sent
            }
            if session == nil {
                sent = 0
                switch await connect(hosts, domain: domain, requirement: requirement) {
                case .success(let opened):
                    session = opened
                case .failure(let failure):
                    for rest in items[index...] {
                        await recorder.settle(rest, Array(repeating: .from(failure.reply, remote: nil), count: rest.recipients.count))
                    }
                    return true
                }
            }
            guard let current = session else { return true }
            let connection = current.connection, target = current.target
            let body: [UInt8]
            do {
                body = try await store.readBody(item.message.body)
            } catch {
                let reply = DeliveryReply(code: 451, enhancedCode: "4.3.0", text: "queued message unreadable: \(error)")
                await recorder.settle(item, Array(repeating: .transient(reply, remote: nil), count: item.recipients.count))
                continue
            }
            do {
                let response = try await connection.send(Self.envelope(item), message: body)
                sent += 1
                await recorder.settle(item, AttemptResult.classify(response, count: item.recipients.count, remote: target.hostname),
                                      tls: Self.tlsNote(target, connection))
                // RFC 5321 §3.8: 421 means the peer is closing the channel.
                if response.mailFrom.code == 421 || response.data?.code == 421 || response.recipients.contains(where: { $0.code == 421 }) {
                    await connection.close()
                    session = nil
                }
            } catch {
                logger.notice("transaction failed", metadata: ["queue-id": "\(item.message.id)", "host": "\(target)", "error": "\(error)"])
                let result: AttemptResult = error.isPermanent ? .permanent(error.reply, remote: target.hostname)
                    : .transient(error.reply, remote: target.hostname)
                await recorder.settle(item, Array(repeating: result, count: item.recipients.count), tls: Self.tlsNote(target, connection))
                if !error.sessionUsable {
                    await connection.close()
                    session = nil
                }
            }
        }
        if let session {
            if stopped || isStopping() {
                await session.connection.close()
            } else {
                await idle.park(key, IdleConnections.Parked(session: session.connection, target: session.target, sent: sent))
            }
        }
        return !stopped
    }

    /// A connection an earlier batch left open for `key`, still under the TLS policy the router
    /// gives its address now, and answering RSET (RFC 5321 §4.1.1.5); one that fails either check is
    /// closed and the next waiting one tried. Nil: connect afresh.
    func reuse(_ key: IdleConnections.Key, hosts: [RouteHost], domain: String,
               requirement: TLSRequirement) async -> IdleConnections.Parked? {
        while let parked = idle.take(key) {
            let target = parked.target
            var current: [DeliveryTarget] = []
            if let host = hosts.first(where: { $0.name == target.hostname && $0.port == target.port }) {
                current = (try? await router.securedTargets(for: host, domain: domain, requirement: requirement)) ?? []
            }
            guard current.contains(where: { $0.address == target.address && $0.tls == target.tls && $0.isRelay == target.isRelay }) else {
                logger.info("idle connection not reused: the TLS policy changed", metadata: ["host": "\(target)"])
                await parked.session.close()
                continue
            }
            guard await parked.session.reset() else {
                logger.info("idle connection closed by the peer, connecting again", metadata: ["host": "\(target)"])
                await parked.session.close()
                continue
            }
            logger.info("connection reused", metadata: ["host": "\(target)", "messages-before": "\(parked.sent)"])
            return parked
        }
        return nil
    }

    /// The first connection that opens, trying every address of every host in order.
    /// With REQUIRETLS, a host is used only when validated (`DeliveryRouter.requireTLSPolicy`) and
    /// offering REQUIRETLS after STARTTLS; otherwise the next one is tried (RFC 8689 §4.2.1).
    func connect(_ hosts: [RouteHost], domain: String,
                 requirement: TLSRequirement = .policy) async -> Result<(connection: any DeliverySession, target: DeliveryTarget), RouteFailure> {
        var last = RouteFailure(451, "4.4.1", "no host for \(domain) could be reached")
        for host in hosts {
            let targets: [DeliveryTarget]
            do {
                targets = try await router.securedTargets(for: host, domain: domain, requirement: requirement)
            } catch {
                logger.info("host not usable", metadata: ["host": "\(host.name)", "reason": "\(error.reply)"])
                if requirement != .optional && !host.isRelay { await tlsSessions.unusable(host, domain: domain, error) }
                last = error
                if error.isPermanent && hosts.count == 1 { return .failure(error) }
                continue
            }
            for target in targets {
                do {
                    let connection = try await transport.connect(to: target)
                    if requirement != .optional && !target.isRelay {
                        await tlsSessions.connected(target, domain: domain, tlsActive: connection.tlsActive)
                    }
                    if requirement == .required && !connection.offersRequireTLS {
                        logger.info("REQUIRETLS not offered", metadata: ["host": "\(target)", "tls-policy": "\(target.tls)"])
                        await connection.close()
                        last = RouteFailure(550, "5.7.30", "\(target) (\(target.tls)): REQUIRETLS support required: the peer does not "
                                            + "offer REQUIRETLS after STARTTLS (RFC 8689 §4.2.1)")
                        break
                    }
                    logger.info("connected", metadata: ["host": "\(target)", "tls-policy": "\(target.tls)", "tls": "\(connection.tlsActive)",
                                                        "why": "\(target.why)"])
                    return .success((connection, target))
                } catch {
                    logger.info("connection failed", metadata: ["host": "\(target)", "tls-policy": "\(target.tls)", "error": "\(error)"])
                    if requirement != .optional && !target.isRelay { await tlsSessions.failed(target, domain: domain, error) }
                    // A permanent refusal at connection time (e.g. 554 greeting) stays temporary
                    // for the message: another MX, or this one later, may take it (RFC 5321 §3.1).
                    last = RouteFailure(451, error.reply.enhancedCode.map { "4" + String($0.dropFirst()) } ?? "4.4.1", "\(target)\(target.tls == .opportunistic ? "" : " (\(target.tlsDecision))"): \(error.reply)")
                }
            }
        }
        return .failure(last)
    }

    static func envelope(_ item: DeliveryBatch.Item) -> DeliveryEnvelope {
        DeliveryEnvelope(
            mailFrom: item.message.mailFrom?.description,
            recipients: item.recipients.map { .init(address: $0.address, dsn: $0.dsn) },
            envelopeID: item.message.envelopeID, returnContent: item.message.returnContent, smtpUTF8: item.message.smtpUTF8,
            eightBit: item.message.bodyType?.uppercased() == "8BITMIME", requireTLS: item.message.tlsRequirement == .required)
    }

    /// What `hato queue show` prints about the connection's TLS: the policy, why it applied, and
    /// whether TLS was used ("opportunistic: ...; STARTTLS used"). Nil for the relay.
    static func tlsNote(_ target: DeliveryTarget, _ connection: any DeliverySession) -> String? {
        target.isRelay ? nil : "\(target.tlsDecision); \(connection.tlsActive ? "STARTTLS used" : "no TLS")"
    }
}

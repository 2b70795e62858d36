// One question, asked until a server gives a usable answer (NOERROR or NXDOMAIN).
//
// The servers are asked in turn, each at most `attempts` times, as resolv.conf(5) describes; but
// the next query does not wait for the previous one's full timeout. It goes out after the adaptive
// retransmission interval (RetransmissionTimer), while earlier queries stay open for their own
// `timeout`: the first usable reply wins and the rest are abandoned. So one lost packet costs a
// few round trips instead of the whole timeout, and a silent first server no longer delays the
// second (RFC 1536 §1: retransmit early, to another server when there is one). A server that
// answers SERVFAIL/REFUSED/NOTIMP, or whose query fails at once, is passed over immediately.

import DNSMessage
import Logging
import NIOCore

extension DNSClient {
    enum ExchangeEvent: Sendable {
        case reply(server: DNSServer, result: Result<DNSMessage, TransportFailure>, roundTrip: TimeAmount)
        /// The retransmission interval after send number `send` ran out.
        case retransmit(after: Int)
    }

    func exchange(_ question: DNSQuestion) async throws(DNSError) -> (DNSMessage, DNSServer) {
        let servers = configuration.servers
        guard !servers.isEmpty else { throw DNSError(.badQuery, detail: "no DNS servers configured") }
        let maxSends = servers.count * configuration.attempts
        let outcome: Result<(DNSMessage, DNSServer), DNSError> = await withTaskGroup(of: ExchangeEvent.self) { group in
            var sent = 0, open = 0, sendNow = true
            var lastError = DNSError(.timeout, name: question.name)
            while true {
                if sendNow && sent < maxSends {
                    sendNow = false
                    let server = servers[sent % servers.count], index = sent
                    let interval = retransmission.interval(for: server, backoff: sent / servers.count,
                                                           ceiling: configuration.timeout)
                    sent += 1
                    open += 1
                    group.addTask { await self.timedExchange(question, with: server) }
                    if sent < maxSends {
                        let measured = retransmission.hasEstimate(for: server)
                        group.addTask {
                            if measured {
                                try? await Task.sleep(for: .nanoseconds(interval.nanoseconds))
                            } else {
                                await self.waitUnmeasured(server, backoff: index / servers.count, upTo: interval)
                            }
                            return .retransmit(after: index)
                        }
                    }
                }
                guard let event = await group.next() else { return .failure(lastError) }
                switch event {
                case .retransmit(let after):
                    // Only the timer of the latest send counts; an earlier one was overtaken by a
                    // failure that sent at once.
                    if after == sent - 1 { sendNow = true }
                case .reply(let server, let result, let roundTrip):
                    open -= 1
                    switch result {
                    case .success(let response):
                        retransmission.record(roundTrip, from: server)
                        switch response.responseCode {
                        case .noError, .nameError:
                            group.cancelAll()
                            return .success((response, server))
                        default:
                            let bogus = server.validating && response.responseCode == .serverFailure
                                && response.edns?.extendedErrorCodes.contains(where: { (6...12).contains($0) }) == true
                            lastError = DNSError(.serverFailure, name: question.name, responseCode: response.responseCode,
                                                 security: bogus ? .bogus : .insecure, detail: "from \(server)")
                            // RFC 8914 §4.7: a validating resolver found the data bogus; others agree.
                            if bogus {
                                group.cancelAll()
                                return .failure(lastError)
                            }
                            sendNow = true
                        }
                    case .failure(let failure):
                        switch failure {
                        case .timeout:
                            lastError = DNSError(.timeout, name: question.name, detail: "no reply from \(server)")
                        case .malformed(let detail), .network(let detail):
                            lastError = DNSError(.malformedResponse, name: question.name, detail: "\(server): \(detail)")
                            sendNow = true
                        }
                        logger.debug("DNS query failed", metadata: ["server": "\(server)", "error": "\(lastError)"])
                    }
                    // Nothing left in flight: ask the next server now rather than at the timer.
                    if open == 0 {
                        if sent >= maxSends {
                            group.cancelAll()
                            return .failure(lastError)
                        }
                        sendNow = true
                    }
                }
            }
        }
        return try outcome.get()
    }

    /// The wait before the next send when `server` had not been measured at this send: the
    /// initial 400 ms, cut short once replies to other queries (a burst at start) give a
    /// round-trip estimate whose interval has already passed. Without this, every query sent
    /// before the first reply waited the full initial interval to be asked again.
    private func waitUnmeasured(_ server: DNSServer, backoff: Int, upTo initial: TimeAmount) async {
        let start = NIODeadline.now(), slice = TimeAmount.milliseconds(10)
        while !Task.isCancelled {
            let elapsed = NIODeadline.now() - start
            let due = retransmission.hasEstimate(for: server)
                ? retransmission.interval(for: server, backoff: backoff, ceiling: initial) : initial
            if elapsed >= due { return }
            try? await Task.sleep(for: .nanoseconds(min(slice, due - elapsed).nanoseconds))
        }
    }

    private func timedExchange(_ question: DNSQuestion, with server: DNSServer) async -> ExchangeEvent {
        let start = NIODeadline.now()
        let result: Result<DNSMessage, TransportFailure>
        do {
            result = .success(try await exchange(question, with: server))
        } catch let failure as TransportFailure {
            result = .failure(failure)
        } catch {
            result = .failure(.network("\(error)"))
        }
        return .reply(server: server, result: result, roundTrip: NIODeadline.now() - start)
    }

    /// UDP first; TCP when the reply is truncated (RFC 7766 §5). A FORMERR without OPT to an
    /// EDNS query is retried once without EDNS (RFC 6891 §7).
    private func exchange(_ question: DNSQuestion, with server: DNSServer) async throws -> DNSMessage {
        let address: SocketAddress
        do { address = try server.socketAddress() } catch {
            throw TransportFailure.network("bad server address \(server)")
        }
        let edns = EDNS(udpPayloadSize: configuration.udpPayloadSize, dnssecOK: server.validating)
        var query = DNSMessage.query(id: UInt16.random(in: .min ... .max), name: question.name, type: question.type,
                                     edns: edns, authenticData: server.validating)
        queriesSent += 1
        var response = try await transport.udp(query, to: address, timeout: configuration.timeout)
        if response.responseCode == .formatError && response.edns == nil {
            query.edns = nil
            query.id = UInt16.random(in: .min ... .max)
            queriesSent += 1
            response = try await transport.udp(query, to: address, timeout: configuration.timeout)
        }
        if response.truncated {
            query.id = UInt16.random(in: .min ... .max)
            queriesSent += 1
            response = try await transport.tcp(query, to: address, timeout: configuration.timeout)
        }
        return response
    }
}

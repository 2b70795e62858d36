import Logging
import POP3Protocol
import SASL

extension POP3Session {
    /// One parsed command in the current state (RFC 1939 §4-7, RFC 2449 CAPA, RFC 2595 STLS,
    /// RFC 5034 AUTH).
    mutating func command(_ command: POP3Command) -> [POP3Action] {
        if command.keyword != "PASS" { logger.debug("command", metadata: ["command": "\(command.keyword)"]) }
        switch (state, command) {
        case (_, .capa):
            return [.send(.list("capability list follows", capabilities))]
        case (.authorization, .quit):
            state = .closed
            return [.send(.ok("\(settings.hostname) closing connection")), .close]
        case (.authorization, .stls):
            return startTLS()
        case (.authorization, .user(let name)):
            guard plaintextAllowed else { return [.send(.failure(.plaintextDisallowed))] }
            state = .authorization(user: name)
            return [.send(.ok("send PASS"))]
        case (.authorization(let user), .pass(let password)):
            guard let user else { return [.send(.failure(.passWithoutUser))] }
            state = .authorization(user: nil)
            // The same password check, dummy work for unknown users, throttle and reply delay
            // as AUTH PLAIN (`SASLLogin.password`).
            return run(.checkPassword(user: user, password: password))
        case (.authorization, .apop):
            return [.send(.failure(.apopNotOffered))]
        case (.authorization, .auth(nil, _)):
            // The common "AUTH" without arguments lists the mechanisms (as CAPA SASL does).
            return [.send(.list("methods supported:", advertisedMechanisms.map(\.rawValue)))]
        case (.authorization, .auth(let mechanism?, let initialResponse)):
            return run(.authenticate(mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive))
        case (.authorization, _):
            return [.send(.failure(.notAllowedBeforeLogin))]
        case (.transaction(let maildrop), _):
            return transaction(command, maildrop)
        case (.closed, _):
            return []
        }
    }

    /// TRANSACTION state commands (RFC 1939 §5) and QUIT's UPDATE state (§6).
    private mutating func transaction(_ command: POP3Command, _ maildrop: Maildrop) -> [POP3Action] {
        switch command {
        case .stat:
            return [.send(.ok("\(maildrop.live.count) \(maildrop.octets)"))]
        case .list(nil):
            let lines = maildrop.live.map { "\($0.number) \($0.message.size)" }
            return [.send(.list("\(lines.count) messages", lines))]
        case .list(let number?):
            guard let message = maildrop.message(number) else { return [.send(.failure(.noSuchMessage(number)))] }
            return [.send(.ok("\(number) \(message.size)"))]
        case .uidl(nil):
            let lines = maildrop.live.map { "\($0.number) \(maildrop.uniqueID($0.message))" }
            return [.send(.list("unique-id listing follows", lines))]
        case .uidl(let number?):
            guard let message = maildrop.message(number) else { return [.send(.failure(.noSuchMessage(number)))] }
            return [.send(.ok("\(number) \(maildrop.uniqueID(message))"))]
        case .retr(let number), .top(let number, _):
            guard let message = maildrop.message(number) else { return [.send(.failure(.noSuchMessage(number)))] }
            // The size in LIST is exactly the octets RETR sends before byte-stuffing (RFC 1939
            // §11); RETR marks the message \Seen for IMAP.
            let topLines: Int? = if case .top(_, let lines) = command { lines } else { nil }
            return run(.read(message, inbox: maildrop.inbox.id, topLines: topLines))
        case .dele(let number):
            guard maildrop.message(number) != nil else { return [.send(.failure(.noSuchMessage(number)))] }
            var updated = maildrop
            updated.deleted.insert(number)
            state = .transaction(updated)
            return [.send(.ok("message \(number) deleted"))]
        case .rset:
            var updated = maildrop
            updated.deleted = []
            state = .transaction(updated)
            return [.send(.ok("maildrop has \(updated.live.count) messages (\(updated.octets) octets)"))]
        case .noop:
            return [.send(.ok(""))]
        case .quit:
            return run(.update(maildrop))
        case .user, .pass, .apop, .auth, .stls:
            return [.send(.failure(.alreadyLoggedIn))]
        case .capa:
            return []  // answered in every state, before this
        }
    }

    /// RFC 2595 §4: after +OK the client starts TLS; anything it pipelined behind STLS is
    /// discarded by the driver (CVE-2011-0411 class), and STLS is not offered again.
    private mutating func startTLS() -> [POP3Action] {
        if tlsActive { return [.send(.failure(.tlsAlreadyActive))] }
        guard settings.stlsAvailable else { return [.send(.failure(.tlsUnavailable))] }
        tlsActive = true
        return [.send(.ok("begin TLS negotiation")), .startTLS]
    }

    /// USER/PASS and plaintext SASL are allowed over TLS, or from loopback (RFC 2595 §2.2).
    var plaintextAllowed: Bool { settings.sasl.allowsPlaintextLogin(tlsActive: tlsActive, loopback: settings.loopback) }

    var advertisedMechanisms: [SASLMechanismName] {
        settings.sasl.advertised(
            tlsActive: tlsActive, loopback: settings.loopback,
            channelBindingAvailable: tlsActive && settings.channelBindingAvailable(), cramMD5Enabled: true)
    }

    /// RFC 2449 CAPA; USER, SASL and STLS only while they can be used.
    var capabilities: [String] {
        var lines = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "LOGIN-DELAY 0",
                     "IMPLEMENTATION Hato"]
        if case .authorization = state {
            if plaintextAllowed { lines.insert("USER", at: 2) }
            let mechanisms = advertisedMechanisms
            if !mechanisms.isEmpty { lines.insert("SASL " + mechanisms.map(\.rawValue).joined(separator: " "), at: 2) }
            if !tlsActive && settings.stlsAvailable { lines.append("STLS") }
        }
        return lines
    }
}

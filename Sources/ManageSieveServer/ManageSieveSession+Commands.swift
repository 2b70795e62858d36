import ManageSieveProtocol
import SASL

extension ManageSieveSession {
    /// One parsed command in the current state (RFC 5804 §2).
    mutating func command(_ command: ManageSieveCommand) -> [ManageSieveAction] {
        logger.debug("command", metadata: ["command": "\(command.keyword)"])
        switch (state, command) {
        case (.closed, _):
            return []
        case (_, .capability):
            return [.send(.capabilities(capabilities, nil))]
        case (_, .logout):
            // §2.3: OK, then the server closes the connection.
            state = .closed
            return [.send(.ok(nil, "Logout completed")), .cancelTimers, .close]
        case (_, .noop(let tag)):
            return [.send(.ok(tag.map { ManageSieveResponseCode.tag($0) }, "NOOP completed"))]
        case (.unauthenticated, .startTLS):
            return startTLS()
        case (.authenticated, .startTLS):
            return [.send(.failure(.tlsAfterLogin))]
        case (.unauthenticated, .authenticate(let mechanism, let initialResponse)):
            // An empty initial response is sent as "" here; the SASL layer spells it "=".
            let response = initialResponse.map { $0.isEmpty ? "=" : $0 }
            return run(.authenticate(mechanism: mechanism, initialResponse: response, tlsActive: tlsActive))
        case (.authenticated, .authenticate):
            return [.send(.failure(.alreadyAuthenticated))]
        case (.authenticated, .unauthenticate):
            // §2.14: back to the non-authenticated state; TLS stays.
            state = .unauthenticated
            return [.setLiteralLimit(settings.maxLoginLiteral), .armLoginTimer(settings.loginTimeout),
                    .send(.ok(nil, "UNAUTHENTICATE completed"))]
        case (.unauthenticated, .unauthenticate):
            return [.send(.failure(.notAuthenticated))]
        case (.unauthenticated, _):
            return [.send(.failure(.authenticateFirst))]
        case (.authenticated(let user), _):
            return scripts(command, user)
        }
    }

    /// The script commands (§2.5-§2.12); names and sizes are checked before the store is asked.
    private mutating func scripts(_ command: ManageSieveCommand, _ user: ManageSieveUser) -> [ManageSieveAction] {
        switch command {
        case .haveSpace(let name, let size):
            if let problem = ManageSieveScriptName.problem(name) { return [.send(.failure(.invalidName(problem)))] }
            guard size <= UInt64(settings.maxScriptSize) else { return [.send(.failure(.scriptTooLarge(limit: settings.maxScriptSize)))] }
            return run(.haveSpace(user, name: name, size: Int(size)))
        case .putScript(let name, let script):
            if let problem = ManageSieveScriptName.problem(name) { return [.send(.failure(.invalidName(problem)))] }
            guard script.utf8.count <= settings.maxScriptSize else { return [.send(.failure(.scriptTooLarge(limit: settings.maxScriptSize)))] }
            return run(.put(user, name: name, script: script))
        case .listScripts:
            return run(.list(user))
        case .setActive(let name):
            return run(.setActive(user, name: name.isEmpty ? nil : name))
        case .getScript(let name):
            return run(.get(user, name: name))
        case .deleteScript(let name):
            return run(.delete(user, name: name))
        case .renameScript(let from, let to):
            if let problem = ManageSieveScriptName.problem(to) { return [.send(.failure(.invalidName(problem)))] }
            return run(.rename(user, from: from, to: to))
        case .checkScript(let script):
            guard script.utf8.count <= settings.maxScriptSize else { return [.send(.failure(.scriptTooLarge(limit: settings.maxScriptSize)))] }
            return run(.check(user, script: script))
        case .authenticate, .startTLS, .logout, .capability, .noop, .unauthenticate:
            return []  // answered before this, in every state
        }
    }

    /// RFC 5804 §2.2: OK, TLS, then the capabilities again (the handler is in place before the
    /// next write, so they go out encrypted once the handshake is done).
    private mutating func startTLS() -> [ManageSieveAction] {
        if tlsActive { return [.send(.failure(.tlsAlreadyActive))] }
        guard settings.startTLSAvailable else { return [.send(.failure(.tlsUnavailable))] }
        tlsActive = true
        return [.send(.ok(nil, "Begin TLS negotiation now")), .startTLS, .send(.capabilities(capabilities, "TLS negotiation successful"))]
    }

    var advertisedMechanisms: [SASLMechanismName] {
        settings.sasl.advertised(
            tlsActive: tlsActive, loopback: settings.loopback,
            channelBindingAvailable: tlsActive && settings.channelBindingAvailable(), cramMD5Enabled: true)
    }

    /// RFC 5804 §1.7. SASL lists what may be used now (nothing that sends a password before TLS,
    /// loopback aside); STARTTLS only while it can be used; OWNER once logged in.
    var capabilities: [ManageSieveReply.Capability] {
        var lines: [ManageSieveReply.Capability] = [.init(name: "IMPLEMENTATION", value: "Hato")]
        let authenticated: ManageSieveUser? = if case .authenticated(let user) = state { user } else { nil }
        lines.append(.init(name: "SASL", value: authenticated == nil ? advertisedMechanisms.map(\.rawValue).joined(separator: " ") : ""))
        lines.append(.init(name: "SIEVE", value: settings.extensions.joined(separator: " ")))
        if authenticated == nil && !tlsActive && settings.startTLSAvailable { lines.append(.init(name: "STARTTLS", value: nil)) }
        lines.append(.init(name: "MAXREDIRECTS", value: "\(settings.maxRedirects)"))
        if let authenticated { lines.append(.init(name: "OWNER", value: authenticated.name)) }
        lines.append(.init(name: "UNAUTHENTICATE", value: nil))
        lines.append(.init(name: "VERSION", value: "1.0"))
        return lines
    }
}

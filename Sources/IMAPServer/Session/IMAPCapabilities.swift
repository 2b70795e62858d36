import SASL

extension IMAPSessionHandler {
    var advertisedMechanisms: [SASLMechanismName] {
        server.configuration.sasl.advertised(
            tlsActive: tlsActive, loopback: connection.isLoopback,
            channelBindingAvailable: tlsActive && connection.channelBinding != nil, cramMD5Enabled: true)
    }

    /// RFC 9051 §7.2.2. Before login: what is needed to log in (STARTTLS, LOGINDISABLED, AUTH=);
    /// after: the extensions (docs/imap.md lists each with its RFC).
    var capabilities: [String] {
        var names = ["IMAP4rev1", "IMAP4rev2", "LITERAL-", "SASL-IR", "ID", "ENABLE"]
        guard state.user != nil else {
            if !tlsActive && connection.tls != nil { names.append("STARTTLS") }
            if !plaintextAllowed { names.append("LOGINDISABLED") }
            names += advertisedMechanisms.map { "AUTH=" + $0.rawValue }
            return names
        }
        names += [
            "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS",
            "SPECIAL-USE", "CREATE-SPECIAL-USE", "CONDSTORE", "QRESYNC", "ESEARCH", "SEARCHRES", "QUOTA",
            "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE", "STATUS=SIZE", "UTF8=ACCEPT", "MULTIAPPEND", "BINARY",
            "APPENDLIMIT=\(server.configuration.limits.maxLiteralSize)",
        ]
        return names
    }
}

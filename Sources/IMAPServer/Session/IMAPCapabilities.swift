import SASL

extension IMAPSession {
    /// LOGIN and plaintext SASL are allowed over TLS, or from loopback (RFC 9051 §11.1, §6.2.3).
    var plaintextAllowed: Bool { settings.sasl.allowsPlaintextLogin(tlsActive: tlsActive, loopback: settings.loopback) }

    var advertisedMechanisms: [SASLMechanismName] {
        settings.sasl.advertised(
            tlsActive: tlsActive, loopback: settings.loopback,
            channelBindingAvailable: tlsActive && settings.channelBindingAvailable(), cramMD5Enabled: true)
    }

    /// RFC 9051 §7.2.2. Before login: what is needed to log in (STARTTLS, LOGINDISABLED, AUTH=);
    /// after: the extensions (docs/imap.md lists each with its RFC).
    var capabilities: [String] {
        // RFC 7888: LITERAL+ unless the operator asked for LITERAL- (never both, §5).
        let literal = settings.limits.maxNonSynchronizingLiteralSize == nil ? "LITERAL+" : "LITERAL-"
        var names = ["IMAP4rev1", "IMAP4rev2", literal, "SASL-IR", "ID", "ENABLE"]
        guard state.user != nil else {
            if !tlsActive && settings.tlsAvailable { names.append("STARTTLS") }
            if !plaintextAllowed { names.append("LOGINDISABLED") }
            names += advertisedMechanisms.map { "AUTH=" + $0.rawValue }
            return names
        }
        names += [
            "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS",
            "SPECIAL-USE", "CREATE-SPECIAL-USE", "CONDSTORE", "QRESYNC", "ESEARCH", "SEARCHRES", "QUOTA",
            "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE", "STATUS=SIZE", "UTF8=ACCEPT", "MULTIAPPEND", "BINARY",
            // RFC 5256, RFC 5957, RFC 5267 (Commands/Sort.swift)
            "SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESORT",
            "CONTEXT=SEARCH", "CONTEXT=SORT",  // RFC 5267 §4 (SelectedMailbox+Contexts.swift)
            "PREVIEW",  // RFC 8970 (FetchResponder, MIMEMessage.preview)
            "OBJECTID",  // RFC 8474 (ObjectIDs)
            "SAVEDATE",  // RFC 8514 (messages.saved_date)
            "REPLACE",  // RFC 8508 (Commands/Replace.swift, MessageStore.replace)
            "CATENATE",  // RFC 4469 (Commands/Catenate.swift, IMAPURL)
            "METADATA", "METADATA-SERVER",  // RFC 5464 (Commands/Metadata.swift, MetadataStore)
            "URLAUTH", "URLAUTH=BINARY",  // RFC 4467, RFC 5524 (Commands/URLAuth*.swift, URLAuthKeyStore)
            "NOTIFY",  // RFC 5465 (Commands/Notify.swift, Notify/, MessageStore.mailboxListChanges)
            "APPENDLIMIT=\(settings.limits.maxLiteralSize)",
        ]
        names.append("COMPRESS=DEFLATE")  // RFC 4978
        if !compressing { names.append("UNAUTHENTICATE") }  // RFC 8437 (`unauthenticate`)
        return names
    }
}

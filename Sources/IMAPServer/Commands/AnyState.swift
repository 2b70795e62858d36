import IMAPProtocol
import MailStore
import ServerRuntime

/// RFC 9051 §6.1: CAPABILITY, NOOP, LOGOUT, and ID (RFC 2971); ENABLE (RFC 5161) and NAMESPACE
/// (RFC 2342).
extension IMAPSession {
    mutating func capability(_ tag: String) -> [IMAPAction] {
        send([.data(.capability(capabilities))]) + finish(tag, "CAPABILITY completed")
    }

    mutating func logout(_ tag: String) -> [IMAPAction] {
        let goodbye: [IMAPResponse] = [
            .status(tag: nil, .bye, text: "\(settings.hostname) logging out"),
            .status(tag: tag, .ok, text: "LOGOUT completed"),
        ]
        return send(goodbye) + closeSession()
    }

    /// RFC 2971 §3.1: the server's identity; the client's is only logged.
    mutating func id(_ tag: String, _ parameters: [IMAPIDParameter]?) -> [IMAPAction] {
        if let parameters {
            let client = parameters.prefix(8).map { "\($0.key)=\($0.value ?? "NIL")" }.joined(separator: " ")
            logger.info("client id", metadata: ["id": "\(LogSafe.escaped(client))"])
        }
        return send([.data(.id([IMAPIDParameter(key: "name", value: "Hato")]))]) + finish(tag, "ID completed")
    }

    /// RFC 5161 / RFC 9051 §6.3.1. `* ENABLED` lists only what was newly turned on here.
    /// UTF8=ACCEPT and IMAP4rev2 switch mailbox names and strings to UTF-8 (RFC 9755, RFC 9051 §5.1).
    mutating func enable(_ tag: String, _ names: [String]) -> [IMAPAction] {
        var turnedOn: [String] = []
        for name in names {
            switch name {
            case "CONDSTORE" where !enabled.condstore:
                enabled.condstore = true
                turnedOn.append("CONDSTORE")
            case "QRESYNC" where !enabled.qresync:
                // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
                enabled.qresync = true
                enabled.condstore = true
                turnedOn.append("QRESYNC")
            case "UTF8=ACCEPT" where !enabled.utf8Accept:
                enabled.utf8Accept = true
                turnedOn.append("UTF8=ACCEPT")
            case "IMAP4REV2" where !enabled.imap4rev2:
                enabled.imap4rev2 = true
                turnedOn.append("IMAP4rev2")
                // RFC 9051 has no \Recent: a mailbox selected already stops showing it.
                state.selected?.recentMode = nil
            default:
                break  // unknown or already enabled: ignored (RFC 5161 §3.1)
            }
        }
        applyEncoding()
        return send([.data(.enabled(turnedOn))]) + finish(tag, "ENABLE completed")
    }

    /// One personal namespace with no prefix; no other users' or shared mailboxes.
    mutating func namespace(_ tag: String) -> [IMAPAction] {
        send([.data(.namespace(personal: [IMAPNamespace(prefix: "", delimiter: Mailbox.hierarchySeparator)],
                               otherUsers: [], shared: []))]) + finish(tag, "NAMESPACE completed")
    }
}

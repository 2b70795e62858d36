import IMAPProtocol
import NIOCore

extension IMAPSessionHandler {
    /// RFC 5161 / RFC 9051 §6.3.1. `* ENABLED` lists only what was newly turned on here.
    /// UTF8=ACCEPT and IMAP4rev2 switch mailbox names and strings to UTF-8 (RFC 9755, RFC 9051 §5.1).
    func enable(_ tag: String, _ names: [String], _ context: ChannelHandlerContext) {
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
            default:
                break  // unknown or already enabled: ignored (RFC 5161 §3.1)
            }
        }
        decoder.setEncoding(enabled.encoding)
        encoder.encoding = enabled.encoding
        send(context, .data(.enabled(turnedOn)))
        finish(tag, "ENABLE completed", context)
    }
}

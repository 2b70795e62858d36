// What a filter is told: the transaction and the message as Postfix's milter8.c sends them,
// with the macros Postfix sends by default (milter_*_macros in postconf(5)).

import MailCore
import MailMessage
import MilterClient
import MilterProtocol
import SMTPProtocol

extension MilterStage {
    static func envelope(_ content: ReceivedMessage, transaction: ReceptionTransaction, client: ReceptionClient) -> MilterEnvelope {
        let mailFrom = transaction.mailFrom.map { "<\($0)>" } ?? "<>"
        let recipients = transaction.recipients.map { "<\($0.address)>" }
        var macros = transactionMacros(transaction, client: client)
        macros[.connect] = connectionMacros(client)
        macros[.helo] = heloMacros(client)
        return MilterEnvelope(clientHostname: "[\(client.remoteIP)]", clientAddress: client.remoteIP, clientPort: 0, helo: client.helo ?? "",
                              mailFrom: mailFrom, mailParameters: [], recipients: recipients, macros: macros,
                              header: header(content), body: body(content))
    }

    static func connectionMacros(_ client: ReceptionClient) -> [(name: String, value: String)] {
        [("j", client.hostname), ("{daemon_name}", "hato"), ("{daemon_addr}", ""),
         ("_", "unknown [\(client.remoteIP)]"), ("{client_addr}", client.remoteIP),
         ("{client_name}", "unknown"), ("{client_connections}", "0"), ("v", "Hato")]
            .filter { !$0.1.isEmpty }
    }

    static func heloMacros(_ client: ReceptionClient) -> [(name: String, value: String)] {
        client.tls.map { [("{tls_version}", $0)] } ?? []
    }

    /// The macros of MAIL and of the message's steps.
    static func transactionMacros(_ transaction: ReceptionTransaction, client: ReceptionClient) -> [MilterMacroStage: [(name: String, value: String)]] {
        var mail: [(name: String, value: String)] = [("i", transaction.id), ("{mail_addr}", transaction.mailFrom?.description ?? "")]
        if let account = client.account {
            mail += [("{auth_type}", "SASL"), ("{auth_authen}", account.address.description)]
        }
        return [.mail: mail, .data: [("i", transaction.id)], .endOfHeader: [("i", transaction.id)], .endOfMessage: [("i", transaction.id)]]
    }

    static func header(_ content: ReceivedMessage) -> [(name: String, value: String)] {
        content.header.fields.map { field in
            // Sent without the space after the colon and with LF line breaks, as Postfix does.
            var value = String(decoding: field.rawValue, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            if value.hasPrefix(" ") { value.removeFirst() }
            return (name: field.name, value: value)
        }
    }

    static func body(_ content: ReceivedMessage) -> ArraySlice<UInt8> {
        let bytes = content.bytes
        return bytes[min(content.headerLength, bytes.count)...]
    }
}

extension MilterStage {
    /// SMFIR_ADDRCPT(_PAR), SMFIR_DELRCPT, SMFIR_CHGFROM as an envelope change; an address
    /// that does not parse is dropped (the stage logs it). ESMTP parameters a filter gives are
    /// not applied: the added recipient gets no DSN request, the sender keeps the transaction's.
    static func envelopeChange(_ modification: MilterModification) -> ReceptionEnvelopeChange? {
        switch modification {
        case .addRecipient(let text, _): address(text).map { .addRecipient($0) }
        case .deleteRecipient(let text): address(text).map { .deleteRecipient($0) }
        case .changeFrom(let text, _):
            strip(text).isEmpty ? .changeFrom(nil) : address(text).map { .changeFrom($0) }
        default: nil
        }
    }

    static func isEnvelopeChange(_ modification: MilterModification) -> Bool {
        switch modification {
        case .addRecipient, .deleteRecipient, .changeFrom: true
        default: false
        }
    }

    /// "<user@example.org>" or "user@example.org" (libmilter passes what the filter gave).
    static func address(_ text: String) -> EmailAddress? {
        let bare = strip(text)
        return bare.isEmpty ? nil : try? EmailAddress(bare)
    }

    private static func strip(_ text: String) -> String {
        var bare = Substring(text).drop { $0 == " " }
        if bare.hasPrefix("<"), bare.hasSuffix(">") { bare = bare.dropFirst().dropLast() }
        return String(bare)
    }
}

extension SMTPEnhancedStatusCode {
    /// A constant code of this stage (always valid).
    static func milter(_ statusClass: Int, _ subject: Int, _ detail: Int) -> SMTPEnhancedStatusCode {
        SMTPEnhancedStatusCode(statusClass, subject, detail)!
    }
}

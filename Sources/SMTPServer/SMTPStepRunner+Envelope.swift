// Envelope changes a milter asked for at the end of the message (SMFIR_ADDRCPT, SMFIR_DELRCPT,
// SMFIR_CHGFROM), applied before the message is stored or queued (docs/milter.md
// "Envelope changes").

import LocalDelivery
import MailCore
import Reception
import SMTPProtocol

extension SMTPStepRunner {
    /// Applies `changes` in order. An added recipient goes through the recipient phase of the
    /// pipeline exactly as a RCPT TO on this listener would: an MX listener still refuses to
    /// relay, unknown local users are still refused; such an addition is dropped and logged.
    func applyEnvelopeChanges(_ changes: [ReceptionEnvelopeChange], to reception: inout ReceptionTransaction,
                              client: ReceptionClient) async {
        for change in changes {
            switch change {
            case .deleteRecipient(let address):
                reception.recipients.removeAll { Self.same($0.address, address) }
            case .changeFrom(let address):
                reception.mailFrom = address
            case .addRecipient(let address):
                guard !reception.recipients.contains(where: { Self.same($0.address, address) }) else { continue }
                var recipient = ReceptionRecipient(address: address, parameters: SMTPRcptParameters())
                let refusal = await pipeline.recipient(&recipient, transaction: reception, client: client)
                guard refusal == nil, let resolution = recipient.resolution else {
                    client.logger.notice("recipient added by milter refused", metadata: [
                        "id": "\(reception.id)", "recipient": "\(String(reflecting: address.description))",
                        "reply": "\(refusal.map { "\($0.code)" } ?? "550")",
                    ])
                    continue
                }
                reception.recipients.append(AcceptedRecipient(address: recipient.address, resolution: resolution))
            }
        }
    }

    /// The local part is compared exactly (RFC 5321 §2.4), the domain without case.
    private static func same(_ one: EmailAddress, _ other: EmailAddress) -> Bool {
        one.localPart == other.localPart && one.domain == other.domain
    }
}

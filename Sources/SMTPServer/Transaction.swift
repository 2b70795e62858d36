import LocalDelivery
import MailAuth
import MailCore
import NIOCore
import SMTPProtocol

/// One mail transaction (RFC 5321 §3.3): from MAIL to the end of DATA or the last BDAT.
struct Transaction {
    var mailFrom: EmailAddress?
    var parameters: SMTPMailParameters
    var recipients: [AcceptedRecipient] = []
    /// The message as received so far (DATA content or BDAT chunks).
    var message = ByteBuffer()
    /// BDAT: the chunks so far exceed the size limit; the rest is read and discarded.
    var tooLarge = false
    /// RFC 7208 verdict for MAIL FROM (MX, unauthenticated), recorded at delivery and kept for DMARC.
    var spf: SPFOutcome?
    /// RFC 7208 §2.3 verdict for the HELO identity (nil when MAIL FROM was `<>`: then `spf` is it).
    var spfHELO: SPFOutcome?

    init(mailFrom: EmailAddress?, parameters: SMTPMailParameters) {
        self.mailFrom = mailFrom
        self.parameters = parameters
    }
}

import NIOCore
import Reception

/// One mail transaction (RFC 5321 §3.3) as the session holds it: what the reception stages see,
/// plus the message bytes as they arrive.
struct Transaction {
    var reception: ReceptionTransaction
    /// The message as received so far (DATA content or BDAT chunks).
    var message = ByteBuffer()
    /// BDAT: the chunks so far exceed the size limit; the rest is read and discarded.
    var tooLarge = false
    /// A BDAT chunk was accepted: DATA may no longer be used in this transaction (RFC 3030 §2).
    var usedBDAT = false
    /// Octets of `message` already searched for the end of the header section; nil once it
    /// was found (and the header phase ran) or the search gave up.
    var headerScan: Int? = 0

    init(_ reception: ReceptionTransaction) {
        self.reception = reception
    }
}

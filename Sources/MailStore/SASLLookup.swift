import MailCore
import SASL

extension DirectoryStore {
    /// The SASL credential lookup every protocol uses: the username is an account address, and the
    /// stored SCRAM keys serve every mechanism but CRAM-MD5, which has its own opt-in record. Unknown users give nil; the mechanisms then spend
    /// the same work on dummy keys, so the answer and its timing do not reveal who exists.
    public var saslCredentialLookup: SASLClosureLookup {
        SASLClosureLookup { [self] username in
            guard let address = try? EmailAddress(username), let account = try await self.account(address) else { return nil }
            return SASLAccountCredentials(scram: account.credentials, cramMD5: account.cramMD5)
        }
    }
}

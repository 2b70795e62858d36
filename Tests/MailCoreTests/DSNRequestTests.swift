import MailCore
import Testing

/// NOTIFY and ORCPT as values (RFC 3461 §4.1, §4.2): what RCPT TO carried is what the queue stores,
/// the SMTP client sends on and the report names.
@Suite struct DSNRequestTests {
    @Test func notifyParsesTheEsmtpValueInAnyCase() {
        #expect(DSNNotify(parameterValue: "NEVER") == .never)
        #expect(DSNNotify(parameterValue: "delay,Success") == [.success, .delay])
        #expect(DSNNotify(parameterValue: "FAILURE,FAILURE") == .failure)
        // NEVER must stand alone; empty elements and unknown words are not values.
        for bad in ["NEVER,SUCCESS", "", "SUCCESS,", ",FAILURE", "SOMETIMES", "SUCCESS, FAILURE"] {
            #expect(DSNNotify(parameterValue: bad) == nil, "\(bad)")
        }
    }

    @Test func notifyPrintsTheCanonicalValueThatParsesBack() {
        #expect(DSNNotify.never.description == "NEVER")
        #expect(DSNNotify([.delay, .success, .failure]).description == "SUCCESS,FAILURE,DELAY")
        for value in [DSNNotify.never, .success, [.failure, .delay], [.success, .failure, .delay]] {
            #expect(DSNNotify(parameterValue: value.description) == value)
        }
    }

    @Test func reportsFollowNotifyAndItsDefault() {
        // Without NOTIFY: failures and delays are reported, success is not (RFC 3461 §4.1, §6.2).
        let unspecified = DSNRequest()
        #expect(unspecified.wants(.failure) && unspecified.wants(.delay) && !unspecified.wants(.success))
        let never = DSNRequest(notify: .never)
        #expect(!never.wants(.failure) && !never.wants(.delay) && !never.wants(.success))
        let successOnly = DSNRequest(notify: .success)
        #expect(successOnly.wants(.success) && !successOnly.wants(.failure) && !successOnly.wants(.delay))
    }

    @Test func originalRecipientKeepsItsTypeAndDecodedAddress() throws {
        let stored = try #require(OriginalRecipient(stored: "utf-8;山田+x=y@example.jp"))
        #expect(stored.addressType == "utf-8" && stored.address == "山田+x=y@example.jp")
        #expect(stored.description == "utf-8;山田+x=y@example.jp")
        // Only the first semicolon separates: a quoted local part may hold more.
        #expect(OriginalRecipient(stored: "rfc822;\"a;b\"@example.org")?.address == "\"a;b\"@example.org")
        for bad in ["no-type@example.org", ";a@example.org", "rfc822;"] {
            #expect(OriginalRecipient(stored: bad) == nil, "\(bad)")
        }
        #expect(OriginalRecipient(rfc822: try EmailAddress("Bob@Example.org")).description.hasPrefix("rfc822;Bob@"))
    }
}

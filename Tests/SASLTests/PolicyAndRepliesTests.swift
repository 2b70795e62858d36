import Testing
@testable import SASL

@Suite struct SASLPolicyTests {
    let policy = SASLPolicy()

    @Test func nothingBeforeTLSOffLoopback() {
        #expect(policy.advertised(tlsActive: false, loopback: false, channelBindingAvailable: false, cramMD5Enabled: true) == [])
        #expect(!policy.allowsPlaintextLogin(tlsActive: false, loopback: false))
        #expect(policy.check(.plain, tlsActive: false, loopback: false, channelBindingAvailable: false, cramMD5Enabled: false) == .encryptionRequired)
        #expect(policy.check(.scramSHA256, tlsActive: false, loopback: false, channelBindingAvailable: false, cramMD5Enabled: false) == .encryptionRequired)
    }

    @Test func challengeResponseBeforeTLSWhenConfigured() {
        let lenient = SASLPolicy(mechanisms: SASLPolicy.defaultMechanisms + [.cramMD5], challengeResponseWithoutTLS: true)
        #expect(lenient.advertised(tlsActive: false, loopback: false, channelBindingAvailable: false, cramMD5Enabled: true)
            == [.scramSHA256, .scramSHA1, .cramMD5])
        #expect(lenient.check(.login, tlsActive: false, loopback: false, channelBindingAvailable: false, cramMD5Enabled: true) == .encryptionRequired)
    }

    @Test func loopbackCountsAsSecureUnlessTurnedOff() {
        #expect(policy.advertised(tlsActive: false, loopback: true, channelBindingAvailable: false, cramMD5Enabled: false)
            == [.scramSHA256, .scramSHA1, .plain, .login])
        #expect(policy.allowsPlaintextLogin(tlsActive: false, loopback: true))
        let strict = SASLPolicy(loopbackCountsAsSecure: false)
        #expect(strict.advertised(tlsActive: false, loopback: true, channelBindingAvailable: false, cramMD5Enabled: false) == [])
    }

    @Test func plusOnlyWithBindingDataAndCRAMOnlyWhenListed() {
        #expect(policy.advertised(tlsActive: true, loopback: false, channelBindingAvailable: true, cramMD5Enabled: true)
            == [.scramSHA256Plus, .scramSHA256, .scramSHA1Plus, .scramSHA1, .plain, .login], "CRAM-MD5 is not in the default list")
        let withCRAM = SASLPolicy(mechanisms: SASLPolicy.defaultMechanisms + [.cramMD5])
        #expect(withCRAM.advertised(tlsActive: true, loopback: false, channelBindingAvailable: true, cramMD5Enabled: true)
            == [.scramSHA256Plus, .scramSHA256, .scramSHA1Plus, .scramSHA1, .plain, .login, .cramMD5])
        #expect(policy.advertised(tlsActive: true, loopback: false, channelBindingAvailable: false, cramMD5Enabled: false)
            == [.scramSHA256, .scramSHA1, .plain, .login])
        #expect(policy.check(.scramSHA1Plus, tlsActive: true, loopback: false, channelBindingAvailable: false, cramMD5Enabled: false) == .unsupportedMechanism)
        #expect(policy.check(.cramMD5, tlsActive: true, loopback: false, channelBindingAvailable: false, cramMD5Enabled: false) == .unsupportedMechanism)
    }

    @Test func configuredListAndWireNames() {
        let custom = SASLPolicy(mechanisms: [.plain, .scramSHA256, .plain])
        #expect(custom.mechanisms == [.plain, .scramSHA256])
        #expect(custom.check(wireName: "scram-sha-256", tlsActive: true, loopback: false, channelBindingAvailable: false, cramMD5Enabled: false) == .success(.scramSHA256))
        #expect(custom.check(wireName: "LOGIN", tlsActive: true, loopback: false, channelBindingAvailable: false, cramMD5Enabled: false) == .failure(.unsupportedMechanism))
        #expect(custom.check(wireName: "DIGEST-MD5", tlsActive: true, loopback: false, channelBindingAvailable: false, cramMD5Enabled: false) == .failure(.unsupportedMechanism))
        #expect(SASLMechanismName(wireName: "DIGEST-MD5") == nil)
    }
}

@Suite struct SASLRepliesTests {
    @Test func smtpCodes() {
        let table: [(SASLFailure, Int, String)] = [
            (.invalidCredentials, 535, "5.7.8"), (.authorizationDenied, 535, "5.7.8"),
            (.encryptionRequired, 538, "5.7.11"), (.temporaryFailure, 454, "4.7.0"), (.tooManyFailures, 454, "4.7.0"),
            (.invalidBase64, 501, "5.5.2"), (.cancelled, 501, "5.5.2"), (.malformedResponse(reason: "x"), 501, "5.5.2"),
            (.mechanismTooWeak, 534, "5.7.9"), (.unsupportedMechanism, 504, "5.5.4"), (.lineTooLong, 500, "5.5.6"),
        ]
        for (failure, code, enhanced) in table {
            #expect(failure.smtpReply.code == code && failure.smtpReply.enhancedCode == enhanced, "\(failure)")
        }
        #expect(SASLFailure.temporaryFailure.smtpReply.isTemporary)
        #expect(SASLReplies.smtpSuccess == SASLSMTPReply(code: 235, enhancedCode: "2.7.0", text: "Authentication successful"))
    }

    @Test func imapCodes() {
        #expect(SASLFailure.invalidCredentials.imapReply.status == .no)
        #expect(SASLFailure.invalidCredentials.imapReply.responseCode == "AUTHENTICATIONFAILED")
        #expect(SASLFailure.encryptionRequired.imapReply.responseCode == "PRIVACYREQUIRED")
        #expect(SASLFailure.authorizationDenied.imapReply.responseCode == "AUTHORIZATIONFAILED")
        for failure in [SASLFailure.invalidBase64, .cancelled, .malformedResponse(reason: "x"), .lineTooLong] {
            #expect(failure.imapReply.status == .bad, "\(failure)")
        }
    }

    @Test func pop3Codes() {
        #expect(SASLFailure.invalidCredentials.pop3Reply == SASLPOP3Reply(ok: false, responseCode: "AUTH", text: "Authentication failed"))
        #expect(SASLFailure.temporaryFailure.pop3Reply.responseCode == "SYS/TEMP")
        #expect(SASLFailure.cancelled.pop3Reply.responseCode == nil)
    }

    @Test func onlyCredentialFailuresCountForThrottling() {
        #expect(SASLFailure.invalidCredentials.isFailedCredentialCheck)
        #expect(!SASLFailure.cancelled.isFailedCredentialCheck)
        #expect(!SASLFailure.authorizationDenied.isFailedCredentialCheck)
    }
}

// The fuzz targets of HatoFuzz: one per parser that reads bytes from the network or a message
// (issue 16). Each target takes arbitrary bytes and drives a real parser entry point; its
// contract is "no trap, no hang, and the invariants asserted in the target hold". A failed
// precondition is a finding, exactly like a crash.
//
// The same targets run three ways: under libFuzzer (HatoFuzz built with -DFUZZING, the target
// chosen by HATO_FUZZ_TARGET), as a corpus replayer (HatoFuzz in an ordinary build), and in
// HatoFuzzTests, which replays every seed through every target on each `swift test`.

import Dispatch

public enum FuzzTarget: String, CaseIterable, Sendable {
    case smtpCommand = "smtp-command"
    case smtpFraming = "smtp-framing"
    case imapFraming = "imap-framing"
    case imapCommand = "imap-command"
    case imapInflate = "imap-inflate"
    case pop3 = "pop3"
    case manageSieve = "managesieve"
    case sasl = "sasl"
    case spf = "spf"
    case dkim = "dkim"
    case dmarc = "dmarc"
    case authenticationResults = "auth-results"
    case arc = "arc"
    case encodedWords = "encoded-words"
    case zipDirectory = "zip-directory"
    case htmlTokenizer = "html-tokenizer"
    case tlsClientHello = "tls-client-hello"
    case milterReply = "milter-reply"
    case smimeCMS = "smime-cms"
    case smimeRevocation = "smime-revocation"
    case sieve = "sieve"
    case mtaSTS = "mta-sts"
    case openPGPVerify = "openpgp-verify"
    case dmarcReport = "dmarc-report"
    case zlibInflate = "zlib-inflate"
    case tlsReport = "tls-report"
    case autocryptField = "autocrypt-field"

    /// Runs the target on one input. Call from an async context (tests).
    public func run(_ bytes: [UInt8]) async {
        if runSynchronously(bytes) { return }
        switch self {
        case .sasl: await SASLTarget.run(bytes)
        case .spf: await SPFTarget.run(bytes)
        case .arc: await ARCTarget.run(bytes)
        default: preconditionFailure("\(rawValue) is synchronous")
        }
    }

    /// Runs a synchronous target and returns true; returns false for an asynchronous one.
    public func runSynchronously(_ bytes: [UInt8]) -> Bool {
        switch self {
        case .smtpCommand: SMTPCommandTarget.run(bytes)
        case .smtpFraming: SMTPFramingTarget.run(bytes)
        case .imapFraming: IMAPFramingTarget.run(bytes)
        case .imapCommand: IMAPCommandTarget.run(bytes)
        case .imapInflate: IMAPInflateTarget.run(bytes)
        case .pop3: POP3Target.run(bytes)
        case .manageSieve: ManageSieveTarget.run(bytes)
        case .tlsClientHello: TLSClientHelloTarget.run(bytes)
        case .dkim: DKIMTarget.run(bytes)
        case .dmarc: DMARCTarget.run(bytes)
        case .authenticationResults: AuthenticationResultsTarget.run(bytes)
        case .encodedWords: EncodedWordsTarget.run(bytes)
        case .zipDirectory: ZipDirectoryTarget.run(bytes)
        case .htmlTokenizer: HTMLTokenizerTarget.run(bytes)
        case .milterReply: MilterTarget.run(bytes)
        case .smimeCMS: SMIMETarget.run(bytes)
        case .smimeRevocation: SMIMERevocationTarget.run(bytes)
        case .sieve: SieveTarget.run(bytes)
        case .mtaSTS: MTASTSTarget.run(bytes)
        case .openPGPVerify: OpenPGPTarget.run(bytes)
        case .dmarcReport: DMARCReportTarget.run(bytes)
        case .zlibInflate: ZlibInflateTarget.run(bytes)
        case .tlsReport: TLSReportTarget.run(bytes)
        case .autocryptField: AutocryptFieldTarget.run(bytes)
        case .sasl, .spf, .arc: return false
        }
        return true
    }

    /// Runs the target from a thread outside Swift's cooperative pool (libFuzzer's thread, the
    /// replayer's main thread): asynchronous targets run in a task while this thread waits.
    /// Never call this from async code (it would block a pool thread).
    public func runBlocking(_ bytes: [UInt8]) {
        if runSynchronously(bytes) { return }
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await self.run(bytes)
            finished.signal()
        }
        finished.wait()
    }
}

import Foundation
import HatoServer
import HatoTesting
import MailCore
import Reception
import SMIME
import Testing

/// `[openpgp] sign`/`encrypt` and `[[openpgp.policy]]` (docs/openpgp.md "Signing and encrypting on
/// submission"), and the S/MIME policy an account keeps when both apply ("With S/MIME").
@Suite struct OpenPGPPolicyConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-config-openpgp")

    func load(_ text: String) throws -> LoadedConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:])
    }

    func errors(_ text: String) throws -> [String] {
        do {
            _ = try load(text)
        } catch let error as ConfigErrors {
            return error.errors.map(\.description)
        }
        Issue.record("expected configuration errors")
        return []
    }

    static let config = """
        [smime]
        sign = "always"
        encrypt = "opportunistic"
        [openpgp]
        encrypt = "opportunistic"
        [[openpgp.policy]]
        for = "example.org"
        sign = "always"
        [[openpgp.policy]]
        for = "Legal@Example.org"
        encrypt = "required"
        [[openpgp.policy]]
        for = "smime.example.net"
        encrypt = "never"
        """

    @Test func anAddressBeatsItsDomainWhichBeatsTheDefaults() throws {
        let policies = try load(Self.config).settings.openpgp.policies
        #expect(policies.isActive)
        #expect(policies.policy(for: try EmailAddress("legal@example.org")) == OpenPGPSubmissionPolicy(sign: .always, encrypt: .required))
        #expect(policies.policy(for: try EmailAddress("ann@example.org")) == OpenPGPSubmissionPolicy(sign: .always, encrypt: .opportunistic))
        #expect(policies.policy(for: try EmailAddress("ann@example.com")) == OpenPGPSubmissionPolicy(sign: .never, encrypt: .opportunistic))
        #expect(policies.policy(for: try EmailAddress("ann@smime.example.net")) == OpenPGPSubmissionPolicy())
        #expect(try load("").settings.openpgp.policies.isActive == false, "nothing to do by default: the stage is not installed")
        #expect(try load("").settings.openpgp.atRestHeaders.contains("Subject"))
    }

    @Test func anAccountWithAnOpenPGPPolicyGetsNoSMIMEPolicy() throws {
        let settings = try load(Self.config).settings
        struct Base: SMIMEKeyring {
            let policies: SMIMEPolicies
            func policy(for account: EmailAddress) -> SMIMESubmissionPolicy { policies.policy(for: account) }
            func identity(for account: EmailAddress) async throws -> SMIMEIdentity? { nil }
            func encryptionCertificate(for address: EmailAddress) async throws -> SMIMECertificate? { nil }
        }
        let keyring = OpenPGPFirstSMIMEKeyring(base: Base(policies: settings.smime.policies), openpgp: settings.openpgp.policies)
        #expect(keyring.policy(for: try EmailAddress("ann@example.org")) == SMIMESubmissionPolicy(), "OpenPGP applies")
        #expect(keyring.policy(for: try EmailAddress("ann@smime.example.net")) == SMIMESubmissionPolicy(sign: .always, encrypt: .opportunistic),
                "OpenPGP never/never: S/MIME as configured")
    }

    @Test func badValuesAreNamed() throws {
        let sign = try errors("[openpgp]\nsign = \"if-requested\"\n")
        #expect(sign.contains { $0.contains("openpgp.sign: \"if-requested\" is not one of never, always") }, "\(sign)")
        let entry = try errors("[[openpgp.policy]]\nfor = \"example.org\"\nencrypt = \"sometimes\"\n")
        #expect(entry.contains { $0.contains("openpgp.policy") && $0.contains("encrypt = \"sometimes\" for example.org") }, "\(entry)")
        let target = try errors("[[openpgp.policy]]\nfor = \"not an address@\"\nsign = \"always\"\n")
        #expect(target.contains { $0.contains("is neither an address nor a domain") }, "\(target)")
    }
}

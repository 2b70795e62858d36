// `hato quickstart`: from nothing to a configured server for one domain. Writes hato.toml and
// hato.service, adds the domain, the first account, the report aliases and DKIM keys, and
// returns the DNS records to publish. Safe to run twice: without `force` it refuses before
// touching anything, and with it keeps what the store already has (no second account, no new
// keys while active ones exist).

import DNSMessage
import Foundation
import MailCore
import MailStore
#if canImport(Glibc)
import Glibc
#endif

public struct Quickstart: Sendable {
    public struct Options: Sendable {
        public var address: EmailAddress
        public var hostname: String
        public var publicIPs: [IPAddress]
        public var dataDirectory: String
        public var configFile: String
        /// nil: generate one.
        public var password: String?
        public var force: Bool
        public var user: String
        /// The hato binary the unit starts.
        public var executable: String
        public var now: Date

        public init(address: EmailAddress, hostname: String, publicIPs: [IPAddress], dataDirectory: String, configFile: String,
                    password: String?, force: Bool, user: String = "hato", executable: String, now: Date = Date()) {
            self.address = address
            self.hostname = hostname
            self.publicIPs = publicIPs
            self.dataDirectory = dataDirectory
            self.configFile = configFile
            self.password = password
            self.force = force
            self.user = user
            self.executable = executable
            self.now = now
        }
    }

    public struct Result: Sendable {
        public var configFile: String
        public var unitFile: String
        public var dataDirectory: String
        public var account: EmailAddress
        /// The generated password, to be shown once; nil when given or when the account existed.
        public var generatedPassword: String?
        /// What was done, one line each ("added domain example.com", "kept account ...").
        public var actions: [String]
        public var dkimSelectors: [String]
        public var plan: DomainRecordPlan
        /// Commands for the operator to run, in order.
        public var commands: [String]
        public var notes: [String]
    }

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(_ options: Options) async throws -> Result {
        let domain = options.address.domain
        let hostname = try checkedHostname(options.hostname)
        guard !options.publicIPs.isEmpty else { throw Refusal(description: "no public address: pass --public-ip") }
        let configFile = absolute(options.configFile)
        let dataDirectory = absolute(options.dataDirectory)
        let unitFile = URL(fileURLWithPath: configFile).deletingLastPathComponent().appendingPathComponent("hato.service").path
        if !options.force {
            for path in [configFile, unitFile] where FileManager.default.fileExists(atPath: path) {
                throw Refusal(description: "\(path) exists; nothing was changed. Pass --force to rewrite it "
                              + "(the domain, account and DKIM keys already in the data directory are kept)")
            }
        }
        var actions: [String] = []
        let config = QuickstartConfigFile(hostname: hostname, dataDirectory: dataDirectory, user: options.user,
                                          publicIPs: options.publicIPs, contact: options.address.description, written: options.now,
                                          domain: domain.description)
        try write(config.render(), to: configFile, mode: 0o644)
        actions.append("wrote \(configFile)")
        let loaded = try ConfigLoader.load(file: configFile, environment: [:])
        let admin = Admin(store: try StoreFactory.open(loaded.settings), config: loaded.settings)
        let store = admin.store

        if try await store.domains().contains(domain) {
            actions.append("kept domain \(domain)")
        } else {
            try await store.addDomain(domain)
            actions.append("added domain \(domain)")
        }
        var generated: String?
        if try await store.account(options.address) != nil {
            actions.append("kept account \(options.address) and its password")
        } else {
            let password = options.password ?? generatePassword()
            if options.password == nil { generated = password }
            _ = try await admin.addAccount(options.address, password: password)
            actions.append("added account \(options.address)")
        }
        let existing = Set(try await store.aliases().map(\.source.key))
        var aliased: [String] = []
        for localPart in DomainRecordPlan.aliasLocalParts {
            let source = AliasSource.address(try EmailAddress(localPart: localPart, domain: domain))
            guard source.key != options.address.canonical, !existing.contains(source.key) else { continue }
            try await store.addAlias(Alias(source: source, targets: [options.address]))
            aliased.append(source.description)
        }
        if !aliased.isEmpty { actions.append("added aliases \(aliased.joined(separator: ", ")) -> \(options.address)") }

        var keys = try await store.activeDKIMKeys(domain: domain)
        if keys.isEmpty {
            let selector = DKIMKeyManager.datedSelector(taken: try await store.dkimKeys(domain: domain).map(\.selector), now: options.now)
            keys = try await DKIMKeyManager(store: store).generate(
                domain: domain, selector: selector, algorithms: [.ed25519, .rsa], rsaBits: 2048, now: options.now).map(\.key)
            actions.append("created DKIM keys \(keys.map(\.selector).joined(separator: ", ")) (active)")
        } else {
            actions.append("kept active DKIM keys \(keys.map(\.selector).joined(separator: ", "))")
        }
        try await store.close()

        let unit = SystemdUnit(executable: options.executable, configFile: configFile, dataDirectory: dataDirectory, user: options.user)
        try write(unit.text, to: unitFile, mode: 0o644)
        actions.append("wrote \(unitFile)")

        var commands: [String] = []
        var notes: [String] = []
        if geteuid() == 0 {
            if let account = PrivilegeDrop.lookupUser(options.user) {
                giveTree(URL(fileURLWithPath: dataDirectory), uid: account.uid, gid: account.gid)
                actions.append("gave \(dataDirectory) to \(options.user)")
            } else {
                commands.append("useradd --system --home-dir \(dataDirectory) --shell /usr/sbin/nologin \(options.user)")
                commands.append("chown -R \(options.user): \(dataDirectory)")
            }
        } else {
            notes.append("run as root on the server, or give \(dataDirectory) to \(options.user) yourself: chown -R \(options.user): \(dataDirectory)")
        }
        commands.append("install -m 644 \(unitFile) /etc/systemd/system/hato.service && systemctl daemon-reload")
        commands.append("systemctl enable --now hato")
        if options.executable.contains("/.build/") {
            notes.append("the unit starts \(options.executable); install the binary first (install -m 755 \(options.executable) /usr/local/bin/hato) and run quickstart again from there with --force")
        }
        notes.append("DMARC starts at p=none: read the reports that reach dmarc-reports@\(domain) for a few weeks, then publish p=quarantine and later p=reject")

        let dkim = try keys.map { key in
            DomainRecordPlan.DKIMKey(selector: key.selector, record: try DKIMKeyManager.describe(key).record)
        }
        let acmeDirectory: String? = if case .string(let text) = loaded.values["acme.directory"]?.value { text } else { nil }
        let plan = try DomainRecordPlan(DomainRecordPlan.Input(
            settings: loaded.settings, domain: domain, dkimKeys: dkim, acmeDirectory: acmeDirectory, now: options.now))
        if plan.input.tlsaSPKIDigest == nil {
            notes.append("no certificate yet, so no TLSA record: after the first start, hato check dns prints the _25._tcp.\(loaded.settings.hostname) TLSA 3 1 1 record for DANE (docs/transport-security.md)")
        }
        return Result(configFile: configFile, unitFile: unitFile, dataDirectory: dataDirectory, account: options.address,
                      generatedPassword: generated, actions: actions, dkimSelectors: keys.map(\.selector), plan: plan,
                      commands: commands, notes: notes)
    }

    /// A host name with at least two labels, not an address.
    static func checkedHostname(_ text: String) throws -> String {
        let name = text.hasSuffix(".") ? String(text.dropLast()) : text
        guard IPAddress(name) == nil, name.contains("."), (try? DNSName(name)) != nil, (try? Domain(name)) != nil else {
            throw Refusal(description: "--hostname must be a fully qualified host name such as mail.example.com, found \"\(text)\"")
        }
        return try Domain(name).name
    }

    /// 20 characters from 32 unambiguous ones (100 bits), in groups of five, from the system's
    /// CSPRNG (getrandom(2) behind SystemRandomNumberGenerator).
    public static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return stride(from: 0, to: 20, by: 5).map { String(characters[$0..<$0 + 5]) }.joined(separator: "-")
    }

    static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(expanded).standardizedFileURL.path
    }

    static func write(_ text: String, to path: String, mode: Int) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    static func giveTree(_ url: URL, uid: uid_t, gid: gid_t) {
        _ = lchown(url.path, uid, gid)
        let enumerator = FileManager.default.enumerator(atPath: url.path)
        while let name = enumerator?.nextObject() as? String { _ = lchown(url.appendingPathComponent(name).path, uid, gid) }
    }
}

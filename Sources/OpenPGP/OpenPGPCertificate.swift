// An OpenPGP certificate (RFC 4880 §11.1 / RFC 9580 §10.1 transferable public key) as RNP
// reads it: the primary key's fingerprint and validity, its User IDs, and the subkeys that may
// encrypt mail now (RFC 9580 §5.2.3.29 key flags 0x04/0x08, not revoked, not expired, with a
// valid binding signature: RNP's rnp_key_is_valid).

import CRNP

public struct OpenPGPUserID: Sendable, Equatable {
    /// The User ID packet's text (RFC 9580 §5.11: by convention "Name <address>").
    public var text: String
    /// The address inside it, lower-cased, nil when there is none.
    public var address: String?
    /// Self-signed and not revoked.
    public var valid: Bool

    public init(text: String, valid: Bool) {
        self.text = text
        self.address = Self.address(in: text)
        self.valid = valid
    }

    /// "Name <local@domain>" or a bare "local@domain" (RFC 9580 §5.11 leaves the form to convention).
    static func address(in text: String) -> String? {
        var candidate = Substring(text)
        if let open = text.lastIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            candidate = text[text.index(after: open)..<close]
        }
        guard let at = candidate.lastIndex(of: "@"), at != candidate.startIndex, candidate.index(after: at) != candidate.endIndex,
              !candidate.contains(where: { $0 == " " || $0 == "<" || $0 == ">" }) else { return nil }
        return candidate.lowercased()
    }
}

public struct OpenPGPCertificate: Sendable, Equatable {
    /// The primary key's fingerprint, upper-case hex (40 digits for v4 keys, 64 for v6).
    public var fingerprint: String
    /// The primary key's algorithm as RNP names it ("RSA", "EDDSA", ...).
    public var algorithm: String
    /// The primary key is usable now (self-signed, not revoked, not expired).
    public var valid: Bool
    public var revoked: Bool
    public var expired: Bool
    public var userIDs: [OpenPGPUserID]
    /// Fingerprints of the keys (subkeys, or the primary) that may encrypt now.
    public var encryptionKeys: [String]
    /// The certificate as stored: binary, public keys, User IDs, subkeys and their signatures.
    public var data: [UInt8]

    /// Why this certificate cannot be an account's key for `address`, or nil when it can:
    /// it needs a valid User ID with the address and a valid encryption key (issue 21).
    public func refusal(forAddress address: String) -> String? {
        if revoked { return "certificate \(fingerprint) is revoked" }
        if expired { return "certificate \(fingerprint) has expired" }
        if !valid { return "certificate \(fingerprint) has no valid self-signature" }
        let wanted = address.lowercased()
        if !userIDs.contains(where: { $0.valid && $0.address == wanted }) {
            let present = userIDs.filter(\.valid).map(\.text)
            return "certificate \(fingerprint) has no valid User ID with \(address) (it has: \(present.isEmpty ? "none" : present.joined(separator: ", ")))"
        }
        if encryptionKeys.isEmpty { return "certificate \(fingerprint) has no valid encryption subkey" }
        return nil
    }

    /// Why this certificate cannot be a correspondent's key, or nil when it can.
    public var contactRefusal: String? {
        if revoked { return "certificate \(fingerprint) is revoked" }
        if expired { return "certificate \(fingerprint) has expired" }
        if !valid { return "certificate \(fingerprint) has no valid self-signature" }
        if !userIDs.contains(where: { $0.valid && $0.address != nil }) {
            return "certificate \(fingerprint) has no valid User ID with an e-mail address"
        }
        return nil
    }

    /// The addresses of the valid User IDs, without repeats.
    public var addresses: [String] {
        var seen: [String] = []
        for case let address? in userIDs.filter(\.valid).map(\.address) where !seen.contains(address) { seen.append(address) }
        return seen
    }

    /// Every certificate in `bytes` (armored or binary, one or more keys).
    public static func read(_ bytes: [UInt8], limits: OpenPGPLimits = OpenPGPLimits()) throws -> [OpenPGPCertificate] {
        guard !bytes.isEmpty else { throw OpenPGPError("empty certificate") }
        guard bytes.count <= limits.maxCertificateSize else {
            throw OpenPGPError("certificate of \(bytes.count) bytes, more than \(limits.maxCertificateSize)")
        }
        let context = try RNPContext(limits: limits)
        try context.importPublicKeys(bytes)
        var certificates: [OpenPGPCertificate] = []
        for fingerprint in try context.fingerprints() {
            let key = try context.key(fingerprint: fingerprint)
            defer { rnp_key_handle_destroy(key) }
            guard try RNPContext.flag("cannot read the key", { rnp_key_is_primary(key, $0) }) else { continue }
            certificates.append(try describe(key, fingerprint: fingerprint, context: context))
        }
        guard !certificates.isEmpty else { throw OpenPGPError("no primary key in the input") }
        return certificates
    }

    static func describe(_ key: rnp_key_handle_t, fingerprint: String, context: RNPContext) throws -> OpenPGPCertificate {
        var text: UnsafeMutablePointer<CChar>?
        let algorithm = try RNPContext.take(rnp_key_get_alg(key, &text), text, "cannot read the key algorithm")
        let valid = try RNPContext.flag("cannot read validity") { rnp_key_is_valid(key, $0) }
        let revoked = try RNPContext.flag("cannot read revocation") { rnp_key_is_revoked(key, $0) }
        let expired = try RNPContext.flag("cannot read expiry") { rnp_key_is_expired(key, $0) }
        var encryptionKeys: [String] = []
        if valid, try RNPContext.flag("cannot read key usage", { rnp_key_allows_usage(key, "encrypt", $0) }) {
            encryptionKeys.append(fingerprint)
        }
        var subkeys = 0
        try RNPContext.check(rnp_key_get_subkey_count(key, &subkeys), "cannot count subkeys")
        for index in 0..<min(subkeys, context.limits.maxKeys) {
            var subkey: rnp_key_handle_t?
            try RNPContext.check(rnp_key_get_subkey_at(key, index, &subkey), "cannot read subkey \(index)")
            guard let subkey else { continue }
            defer { rnp_key_handle_destroy(subkey) }
            guard try RNPContext.flag("cannot read subkey validity", { rnp_key_is_valid(subkey, $0) }),
                  try RNPContext.flag("cannot read subkey usage", { rnp_key_allows_usage(subkey, "encrypt", $0) }) else { continue }
            var subkeyFingerprint: UnsafeMutablePointer<CChar>?
            encryptionKeys.append(try RNPContext.take(rnp_key_get_fprint(subkey, &subkeyFingerprint), subkeyFingerprint,
                                                      "cannot read a subkey fingerprint"))
        }
        return OpenPGPCertificate(fingerprint: fingerprint, algorithm: algorithm, valid: valid, revoked: revoked, expired: expired,
                                  userIDs: try userIDs(key, limits: context.limits), encryptionKeys: encryptionKeys,
                                  data: try export(key))
    }

    static func userIDs(_ key: rnp_key_handle_t, limits: OpenPGPLimits) throws -> [OpenPGPUserID] {
        var count = 0
        try RNPContext.check(rnp_key_get_uid_count(key, &count), "cannot count User IDs")
        var result: [OpenPGPUserID] = []
        for index in 0..<min(count, limits.maxUserIDs) {
            var handle: rnp_uid_handle_t?
            try RNPContext.check(rnp_key_get_uid_handle_at(key, index, &handle), "cannot read User ID \(index)")
            guard let handle else { continue }
            defer { rnp_uid_handle_destroy(handle) }
            var text: UnsafeMutablePointer<CChar>?
            let uid = try RNPContext.take(rnp_key_get_uid_at(key, index, &text), text, "cannot read User ID \(index)")
            let valid = try RNPContext.flag("cannot read User ID validity") { rnp_uid_is_valid(handle, $0) }
            let revoked = try RNPContext.flag("cannot read User ID revocation") { rnp_uid_is_revoked(handle, $0) }
            result.append(OpenPGPUserID(text: uid, valid: valid && !revoked))
        }
        return result
    }

    /// The binary transferable public key (RFC 9580 §10.1), without any secret material.
    static func export(_ key: rnp_key_handle_t) throws -> [UInt8] {
        var output: rnp_output_t?
        try RNPContext.check(rnp_output_to_memory(&output, 0), "cannot export the certificate")
        guard let output else { throw OpenPGPError("cannot export the certificate") }
        defer { rnp_output_destroy(output) }
        try RNPContext.check(rnp_key_export(key, output, crnp_export_public_with_subkeys), "cannot export the certificate")
        var buffer: UnsafeMutablePointer<UInt8>?
        var length = 0
        try RNPContext.check(rnp_output_memory_get_buf(output, &buffer, &length, false), "cannot export the certificate")
        guard let buffer else { throw OpenPGPError("cannot export the certificate") }
        return Array(UnsafeBufferPointer(start: buffer, count: length))
    }
}

// The Autocrypt field (Autocrypt Level 1, autocrypt.org/level1.html §2.1) as a receiver reads it:
// `attr=value` pairs separated by `;`; `addr` and `keydata` required, `prefer-encrypt` optional;
// an unknown attribute not starting with `_` makes the field invalid; folding whitespace may sit
// anywhere in the base64 keydata. Of a message's fields, only exactly one valid field for the
// sender's address counts (§2.3); its key must be a certificate RNP reads (Sources/OpenPGP).

import Foundation

public struct AutocryptField: Sendable, Equatable {
    public var address: String
    public var keydata: [UInt8]
    public var preferEncrypt: Bool

    /// The key the fields announce for `address` (lower-cased), or nil: not exactly one valid
    /// field for it, or its key is not one certificate that is valid, has a valid User ID with
    /// the address and a key usable for encryption, within `limits`.
    public static func key(in values: [String], for address: String, limits: OpenPGPLimits)
        -> (certificate: OpenPGPCertificate, preferEncrypt: Bool)? {
        let valid = values.compactMap { parse($0, maxKeydata: limits.maxCertificateSize) }.filter { $0.address == address }
        guard valid.count == 1, let field = valid.first,
              let certificates = try? OpenPGPCertificate.read(field.keydata, limits: limits),
              certificates.count == 1, let certificate = certificates.first,
              certificate.contactRefusal == nil, !certificate.encryptionKeys.isEmpty,
              certificate.addresses.contains(address)
        else { return nil }
        return (certificate, field.preferEncrypt)
    }

    /// One field's value, or nil when it is invalid (§2.1) or its keydata exceeds `maxKeydata`.
    public static func parse(_ value: String, maxKeydata: Int) -> AutocryptField? {
        // base64 grows 4/3; the rest of the field is a few attributes.
        guard value.utf8.count <= maxKeydata / 3 * 4 + 4096 else { return nil }
        var address: String?, keydata: [UInt8]?, preferEncrypt = false
        for part in value.split(separator: ";", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            let name = pair[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            let text = String(pair[1])
            switch name {
            case "addr":
                guard address == nil else { return nil }
                address = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            case "keydata":
                let compact = text.filter { !$0.isWhitespace }
                guard keydata == nil, let data = Data(base64Encoded: compact), !data.isEmpty, data.count <= maxKeydata else { return nil }
                keydata = Array(data)
            case "prefer-encrypt":
                preferEncrypt = text.trimmingCharacters(in: .whitespacesAndNewlines) == "mutual"
            default:
                guard name.hasPrefix("_") else { return nil }
            }
        }
        guard let address, !address.isEmpty, let keydata else { return nil }
        return AutocryptField(address: address, keydata: keydata, preferEncrypt: preferEncrypt)
    }
}

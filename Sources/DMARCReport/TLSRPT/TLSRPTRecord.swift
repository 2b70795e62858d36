// The `_smtp._tls` TXT record that asks for TLS reports (RFC 8460 §3):
//   tlsrpt-record  = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//   field-delim    = *WSP ";" *WSP
//   tlsrpt-field   = tlsrpt-rua / tlsrpt-extension
//   tlsrpt-version = %s"v=TLSRPTv1"
//   tlsrpt-rua     = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//   tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value
//   tlsrpt-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//   tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)

public enum TLSRPTRecord {
    /// Longest record considered (a TXT RRset's strings concatenated); longer ones are not TLSRPT.
    public static let maxLength = 4096

    /// The rua URIs of the domain's one TLSRPTv1 record among `records` (each the concatenation
    /// of its strings); nil when there is not exactly one record starting with "v=TLSRPTv1;"
    /// (§3: the domain then does not implement TLSRPT), it has no rua, or it breaks the grammar.
    public static func reportURIs(_ records: [String]) -> [String]? {
        let candidates = records.filter { $0.hasPrefix("v=TLSRPTv1;") || $0.hasPrefix("v=TLSRPTv1 ") || $0 == "v=TLSRPTv1" }
        guard candidates.count == 1, let record = candidates.first, record.utf8.count <= maxLength else { return nil }
        var fields = record.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingWSP }
        if fields.last == "" { fields.removeLast() }   // [field-delim] at the end
        guard fields.first == "v=TLSRPTv1", fields.count >= 2 else { return nil }
        var uris: [String]?
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "=") else { return nil }
            let name = field[..<equals], value = field[field.index(after: equals)...]
            if name == "rua" {
                guard uris == nil else { return nil }
                let list = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWSP }
                guard list.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) } }) else { return nil }
                uris = list.map(String.init)
            } else {
                // Unknown fields are ignored (§3) when they keep the extension grammar.
                guard isExtensionName(name), !value.isEmpty,
                      value.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "=" && $0 != ";" }) else { return nil }
            }
        }
        return uris
    }

    static func isExtensionName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 32,
              first.isASCII && (first.properties.isAlphabetic || ("0"..."9").contains(first)) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (WSP).
    var trimmingWSP: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = self[start...].lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}

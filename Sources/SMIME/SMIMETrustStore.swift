// The certificates a signer's chain must reach (`[smime] trust`, docs/smime.md): "system" is
// OpenSSL's default paths (Debian's ca-certificates bundle), anything else a PEM file or a
// directory of PEM files.

import CCMS
import Foundation

public struct SMIMEError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An OpenSSL X509_STORE, built once and only read afterwards (OpenSSL locks its lookups), so
/// one value serves every concurrent verification.
public final class SMIMETrustStore: @unchecked Sendable {
    let store: OpaquePointer

    /// `sources`: "system", PEM files, directories (every regular file in them is loaded).
    public init(sources: [String]) throws {
        guard let store = X509_STORE_new() else { throw SMIMEError("cannot allocate a certificate store") }
        self.store = store
        for source in sources {
            if source == "system" {
                guard X509_STORE_set_default_paths(store) == 1 else { throw SMIMEError("cannot load the system trust store") }
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw SMIMEError("trust source \(source) does not exist")
            }
            let files = isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: source).sorted().map { source + "/" + $0 }
                : [source]
            for file in files where !isDirectory.boolValue || file.hasSuffix(".pem") || file.hasSuffix(".crt") {
                guard X509_STORE_load_file(store, file) == 1 else {
                    ERR_clear_error()
                    throw SMIMEError("cannot load trust anchors from \(file)")
                }
            }
        }
    }

    deinit { X509_STORE_free(store) }
}

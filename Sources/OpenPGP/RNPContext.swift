// One RNP key store in memory (rnp_ffi_t) with no keyring files and no agent: created for one
// import or one verification and destroyed with it, so nothing is shared between threads
// (an rnp_ffi_t is not thread-safe) and no key outlives its use.

import CRNP
import Glibc

final class RNPContext {
    let ffi: rnp_ffi_t
    let limits: OpenPGPLimits

    init(limits: OpenPGPLimits) throws {
        var ffi: rnp_ffi_t?
        try Self.check(rnp_ffi_create(&ffi, "GPG", "GPG"), "cannot create an RNP context")
        guard let ffi else { throw OpenPGPError("cannot create an RNP context") }
        self.ffi = ffi
        self.limits = limits
        // RNP writes the context's errors to stderr by default; a mail server must not let a
        // sender fill its log. (Debian's librnp, built with its debug log on, still prints some
        // parse errors to stderr itself, whatever this descriptor: docs/openpgp.md.) RNP takes
        // the descriptor over (fdopen, then fclose at rnp_ffi_destroy: checked against librnp
        // 0.16), so each context gets its own; on failure it stays ours to close.
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        if devNull >= 0, rnp_ffi_set_log_fd(ffi, devNull) != crnp_success { close(devNull) }
    }

    deinit { rnp_ffi_destroy(ffi) }

    static func check(_ result: rnp_result_t, _ what: @autoclosure () -> String) throws {
        guard result == crnp_success else { throw OpenPGPError("\(what()): \(describe(result))") }
    }

    static func describe(_ result: rnp_result_t) -> String {
        guard let text = rnp_result_to_string(result) else { return "RNP error \(result)" }
        return String(cString: text)
    }

    /// Runs `body` with an RNP input over a copy of `bytes` (RNP owns the copy; the input is destroyed after).
    static func withInput<T>(_ bytes: [UInt8], _ body: (rnp_input_t) throws -> T) throws -> T {
        var input: rnp_input_t?
        // An empty array may have no base address; RNP needs a pointer even for zero bytes.
        let storage = bytes.isEmpty ? [0] : bytes
        try storage.withUnsafeBufferPointer { buffer in
            try check(rnp_input_from_memory(&input, buffer.baseAddress, bytes.count, true), "cannot read the input")
        }
        guard let input else { throw OpenPGPError("cannot read the input") }
        defer { rnp_input_destroy(input) }
        return try body(input)
    }

    /// Imports every public key in `bytes` (armored or binary, RFC 4880 §6.2 / RFC 9580 §6.2);
    /// secret key material in the input is read as its public part only.
    func importPublicKeys(_ bytes: [UInt8]) throws {
        try importKeys(bytes, flags: crnp_load_public, what: "not an OpenPGP certificate")
    }

    /// Imports public keys and secret keys (RFC 9580 §10.2 transferable secret keys).
    func importSecretKeys(_ bytes: [UInt8]) throws {
        try importKeys(bytes, flags: crnp_load_public_and_secret, what: "not an OpenPGP secret key")
    }

    private func importKeys(_ bytes: [UInt8], flags: UInt32, what: String) throws {
        try Self.withInput(bytes) { input in
            try Self.check(rnp_import_keys(ffi, input, flags, nil), what)
        }
        var count = 0
        try Self.check(rnp_get_public_key_count(ffi, &count), "cannot count keys")
        guard count <= limits.maxKeys else { throw OpenPGPError("\(count) keys, more than \(limits.maxKeys)") }
    }

    /// Runs `body` with an RNP memory output of at most `limit` bytes and returns what it wrote.
    static func withOutput(limit: Int, _ what: String, _ body: (rnp_output_t) throws -> Void) throws -> [UInt8] {
        var output: rnp_output_t?
        try check(rnp_output_to_memory(&output, limit), what)
        guard let output else { throw OpenPGPError(what) }
        defer { rnp_output_destroy(output) }
        try body(output)
        var buffer: UnsafeMutablePointer<UInt8>?
        var length = 0
        try check(rnp_output_memory_get_buf(output, &buffer, &length, false), what)
        guard let buffer else { throw OpenPGPError(what) }
        return Array(UnsafeBufferPointer(start: buffer, count: length))
    }

    /// Fingerprints of every key loaded (primary keys and subkeys), upper-case hex.
    func fingerprints() throws -> [String] {
        var iterator: rnp_identifier_iterator_t?
        try Self.check(rnp_identifier_iterator_create(ffi, &iterator, "fingerprint"), "cannot list keys")
        guard let iterator else { return [] }
        defer { rnp_identifier_iterator_destroy(iterator) }
        var result: [String] = []
        while result.count <= limits.maxKeys {
            var identifier: UnsafePointer<CChar>?
            try Self.check(rnp_identifier_iterator_next(iterator, &identifier), "cannot list keys")
            guard let identifier else { break }
            result.append(String(cString: identifier))
        }
        return result
    }

    /// The key with this fingerprint; the caller destroys the handle.
    func key(fingerprint: String) throws -> rnp_key_handle_t {
        var key: rnp_key_handle_t?
        try Self.check(rnp_locate_key(ffi, "fingerprint", fingerprint, &key), "cannot look up key \(fingerprint)")
        guard let key else { throw OpenPGPError("no key \(fingerprint)") }
        return key
    }

    /// A string RNP allocated, freed here.
    static func take(_ result: rnp_result_t, _ pointer: UnsafeMutablePointer<CChar>?, _ what: String) throws -> String {
        defer { if let pointer { rnp_buffer_destroy(pointer) } }
        try check(result, what)
        guard let pointer else { throw OpenPGPError(what) }
        return String(cString: pointer)
    }

    static func flag(_ what: String, _ call: (UnsafeMutablePointer<Bool>) -> rnp_result_t) throws -> Bool {
        var value = false
        try check(call(&value), what)
        return value
    }
}

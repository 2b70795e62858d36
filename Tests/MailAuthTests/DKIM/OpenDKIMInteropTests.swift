import Foundation
import Testing
@testable import MailAuth

let libopendkimPresent = ["/usr/lib/x86_64-linux-gnu/libopendkim.so.11", "/lib/x86_64-linux-gnu/libopendkim.so.11",
                          "/usr/lib/aarch64-linux-gnu/libopendkim.so.11"].contains { FileManager.default.fileExists(atPath: $0) }

/// Cross-check with OpenDKIM's library (libopendkim, Debian's opendkim-tools depends on it).
/// `opendkim-testmsg` 2.11 verifies only against live DNS and has no option to take a key, so the
/// test drives the same library directly (Python ctypes) with its file query method
/// (DKIM_QUERY_FILE: lines of "selector._domainkey.domain key-record").
@Suite(.serialized, .enabled(if: libopendkimPresent, "libopendkim.so.11 (opendkim-tools) is not installed"))
struct OpenDKIMInteropTests {

    /// argv[1]: base64 message, argv[2]: JSON {name: record}. Prints "pass" or "fail:REASON" per signature.
    static let verifyScript = #"""
        import base64, ctypes, json, os, sys, tempfile
        from ctypes import byref, c_int, c_size_t, c_uint, c_void_p, c_char_p, POINTER
        msg = base64.b64decode(sys.argv[1])
        records = json.loads(sys.argv[2])
        lib = ctypes.CDLL("libopendkim.so.11")
        lib.dkim_init.restype = c_void_p
        lib.dkim_init.argtypes = [c_void_p, c_void_p]
        lib.dkim_options.argtypes = [c_void_p, c_int, c_int, c_void_p, c_size_t]
        lib.dkim_verify.restype = c_void_p
        lib.dkim_verify.argtypes = [c_void_p, c_char_p, c_void_p, POINTER(c_int)]
        lib.dkim_chunk.argtypes = [c_void_p, c_char_p, c_size_t]
        lib.dkim_eom.argtypes = [c_void_p, c_void_p]
        lib.dkim_getsiglist.argtypes = [c_void_p, POINTER(POINTER(c_void_p)), POINTER(c_int)]
        lib.dkim_sig_getflags.restype = c_uint
        lib.dkim_sig_getflags.argtypes = [c_void_p]
        lib.dkim_sig_getbh.argtypes = [c_void_p]
        lib.dkim_sig_geterror.argtypes = [c_void_p]
        lib.dkim_sig_geterrorstr.restype = c_char_p
        lib.dkim_sig_geterrorstr.argtypes = [c_int]
        keyfile = tempfile.NamedTemporaryFile("w", suffix=".keys", delete=False)
        for name, text in records.items():
            keyfile.write(f"{name} {text};\n")
        keyfile.close()
        handle = lib.dkim_init(None, None)
        method = c_int(1)  # DKIM_QUERY_FILE
        lib.dkim_options(handle, 1, 6, byref(method), ctypes.sizeof(method))  # DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD
        path = ctypes.create_string_buffer(keyfile.name.encode())
        lib.dkim_options(handle, 1, 7, path, len(keyfile.name))  # DKIM_OPTS_QUERYINFO
        status = c_int(0)
        dkim = lib.dkim_verify(handle, b"hato-test", None, byref(status))
        lib.dkim_chunk(dkim, msg, len(msg))
        lib.dkim_chunk(dkim, None, 0)
        lib.dkim_eom(dkim, None)
        sigs = POINTER(c_void_p)()
        count = c_int(0)
        lib.dkim_getsiglist(dkim, byref(sigs), byref(count))
        out = []
        for i in range(count.value):
            sig = sigs[i]
            passed = (lib.dkim_sig_getflags(sig) & 0x04) != 0 and lib.dkim_sig_getbh(sig) == 0
            out.append("pass" if passed else "fail:" + lib.dkim_sig_geterrorstr(lib.dkim_sig_geterror(sig)).decode().replace(" ", "_"))
        os.unlink(keyfile.name)
        print(" ".join(out))
        """#

    static func opendkimVerify(_ message: [UInt8], records: [String: String]) async throws -> [String] {
        let json = String(decoding: try JSONEncoder().encode(records), as: UTF8.self)
        let output = try await runPython(verifyScript, arguments: [Data(message).base64EncodedString(), json])
        return output.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    @Test func signaturesMadeByHatoVerifyWithOpenDKIM() async throws {
        let rsa = try DKIMPrivateKey.generate(.rsa)
        let ed = try DKIMPrivateKey.generate(.ed25519)
        let records = ["rsa._domainkey.example.com": rsa.keyRecord, "ed._domainkey.example.com": ed.keyRecord]
        for canonicalization in [DKIMCanonicalizationPair.relaxedRelaxed, DKIMCanonicalizationPair(header: .simple, body: .simple)] {
            let signer = DKIMSigner(keys: [DKIMSigningKey(domain: "example.com", selector: "rsa", privateKey: rsa),
                                           DKIMSigningKey(domain: "example.com", selector: "ed", privateKey: ed)],
                                    canonicalization: canonicalization)
            let signed = try signer.sign(sampleMessage(), now: Date())
            #expect(try await Self.opendkimVerify(signed, records: records) == ["pass", "pass"], "\(canonicalization)")
            let tamperedBody = Array(String(decoding: signed, as: UTF8.self).replacingOccurrences(of: "Line 3", with: "Line 9").utf8)
            #expect(try await Self.opendkimVerify(tamperedBody, records: records).allSatisfy { $0.hasPrefix("fail") })
            let tamperedHeader = Array(String(decoding: signed, as: UTF8.self)
                .replacingOccurrences(of: "Subject: Quarterly", with: "Subject: Yearly").utf8)
            let headerResults = try await Self.opendkimVerify(tamperedHeader, records: records)
            #expect(headerResults.count == 2 && headerResults.allSatisfy { $0.hasPrefix("fail") }, "\(headerResults)")
        }
    }
}

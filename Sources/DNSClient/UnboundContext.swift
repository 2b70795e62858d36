// The C boundary to libunbound (NLnet Labs), the DNSSEC validator (RFC 4033–4035, RFC 5155
// NSEC3, RFC 6840). This file is the only user of CUnbound. Its rules:
// - one `ub_ctx` per UnboundContext, created in init and freed in deinit (`ub_ctx_delete`);
// - every `ub_result` is copied into Swift values and freed (`ub_resolve_free`) before
//   `resolve` returns, on every path, by `defer`;
// - no C pointer leaves this file: callers see `UnboundOutcome`, plain Swift values;
// - the context is configured completely before the first query (libunbound freezes its
//   configuration at the first resolve; later `ub_ctx_set_*` calls fail with UB_AFTERFINAL).
// libunbound's contexts are thread safe (its own locks): `resolve` may run on several threads.
// `resolve` blocks, so callers run it on NIO's thread pool, never on Swift's cooperative pool.
// The fuzz build runs with UBSan (issue 16); this boundary passes only NUL-terminated strings
// it owns and reads `answer_len` bytes of `answer_packet`, no more.

import CUnbound
import DNSMessage
#if canImport(Glibc)
import Glibc
#endif

/// What libunbound said about one question, copied out of its `ub_result`.
struct UnboundOutcome: Sendable {
    /// The whole reply, in wire format (nil when no server answered).
    var packet: [UInt8]?
    var rcode: Int32
    /// RFC 4035 §4.3: secure (the chain from a trust anchor checked), bogus (it did not), or
    /// neither (insecure: no anchor covers the name, or an unsigned delegation proved by the parent).
    var secure: Bool
    var bogus: Bool
    /// Why validation failed, with `val-log-level: 2` the failing name, type and server.
    var whyBogus: String?
}

struct UnboundError: Error, Sendable, CustomStringConvertible {
    var operation: String
    var code: Int32
    var description: String { "\(operation): \(String(cString: ub_strerror(code)))" }
}

final class UnboundContext: @unchecked Sendable {
    // @unchecked: `ctx` is immutable after init and libunbound locks its own state.
    private let ctx: OpaquePointer

    /// - Parameters:
    ///   - forwarders: recursive servers to send queries to (`ub_ctx_set_fwd`); empty: the
    ///     nameservers in /etc/resolv.conf.
    ///   - trustAnchorFiles: files of DS or DNSKEY records in zone-file format (Debian's
    ///     /usr/share/dns/root.key, or a test zone's DS).
    init(forwarders: [DNSServer], trustAnchorFiles: [String]) throws(UnboundError) {
        guard let created = ub_ctx_create() else { throw UnboundError(operation: "ub_ctx_create", code: UB_NOMEM.rawValue) }
        ctx = created
        // A throw below runs deinit (every stored property is set by then), which frees `ctx`.
        // Forwarders are named by the operator; unbound's default refuses 127.0.0.0/8 and ::1.
        try check("do-not-query-localhost", ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"))
        // why_bogus then names the RRset and the server that failed (unbound.conf(5)).
        try check("val-log-level", ub_ctx_set_option(ctx, "val-log-level:", "2"))
        if forwarders.isEmpty {
            try check("ub_ctx_resolvconf", ub_ctx_resolvconf(ctx, nil))
        }
        for server in forwarders {
            try check("ub_ctx_set_fwd \(server)", ub_ctx_set_fwd(ctx, "\(server.host)@\(server.port)"))
        }
        for file in trustAnchorFiles {
            // libunbound reads the file only at the first query; fail here instead.
            guard access(file, R_OK) == 0 else { throw UnboundError(operation: "trust anchor file \(file)", code: UB_READFILE.rawValue) }
            try check("ub_ctx_add_ta_file \(file)", ub_ctx_add_ta_file(ctx, file))
        }
    }

    deinit { ub_ctx_delete(ctx) }

    private func check(_ operation: String, _ code: Int32) throws(UnboundError) {
        if code != 0 { throw UnboundError(operation: operation, code: code) }
    }

    /// One blocking question (class IN). Throws only when libunbound could not run it at all.
    func resolve(_ name: DNSName, _ type: DNSRecordType) throws(UnboundError) -> UnboundOutcome {
        var result: UnsafeMutablePointer<ub_result>?
        let code = ub_resolve(ctx, name.description, Int32(type.rawValue), 1, &result)
        defer { if let result { ub_resolve_free(result) } }
        guard code == 0, let result else { throw UnboundError(operation: "ub_resolve", code: code) }
        let r = result.pointee
        var packet: [UInt8]?
        if let bytes = r.answer_packet, r.answer_len > 0 {
            packet = Array(UnsafeRawBufferPointer(start: bytes, count: Int(r.answer_len)))
        }
        return UnboundOutcome(packet: packet, rcode: r.rcode, secure: r.secure != 0, bogus: r.bogus != 0,
                              whyBogus: r.why_bogus.map { String(cString: $0) })
    }
}

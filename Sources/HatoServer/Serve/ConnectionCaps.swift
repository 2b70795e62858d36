#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The connection caps of `hato serve`, kept below the process's descriptor limit: every client
/// connection holds one descriptor, and the store (database, WAL, message files), outbound
/// delivery and DNS need their own. Past the limit accept(2) fails and new clients get nothing.
struct ConnectionCaps: Equatable {
    /// `limits.max_connections`: all listeners together.
    var total: Int
    /// `limits.max_connections_per_listener`.
    var perListener: Int

    /// Descriptors kept back from client connections: a fixed floor or an eighth of the limit,
    /// whichever is more, plus one per outbound delivery connection.
    static func reserve(descriptorLimit: Int, deliveryConnections: Int) -> Int {
        max(256, descriptorLimit / 8) + deliveryConnections
    }

    /// The configured caps, or ones derived from `descriptorLimit` for those left unset; a
    /// configured cap above what the descriptors allow is kept (the operator asked for it) but
    /// logged.
    static func resolve(configured total: Int?, perListener: Int?, descriptorLimit: Int, deliveryConnections: Int,
                        logger: Logger? = nil) -> ConnectionCaps {
        let available = max(16, descriptorLimit - reserve(descriptorLimit: descriptorLimit, deliveryConnections: deliveryConnections))
        if let total, total > available {
            logger?.warning("limits.max_connections is above what the descriptor limit leaves for clients",
                            metadata: ["max_connections": "\(total)", "descriptor_limit": "\(descriptorLimit)", "available": "\(available)"])
        }
        let resolvedTotal = total ?? available
        // Half each by default, so a flood on one port (25) leaves room on the others.
        return ConnectionCaps(total: resolvedTotal, perListener: perListener ?? max(1, resolvedTotal / 2))
    }
}

/// The process's open-file limit (RLIMIT_NOFILE).
enum DescriptorLimit {
    /// Raises the soft limit to the hard one (at most `ceiling`), as a server expecting many
    /// connections should; returns the soft limit in force afterwards.
    static func raise(ceiling: Int = 1 << 20) -> Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        let wanted = min(limit.rlim_max, rlim_t(ceiling))
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(resource, &raised) == 0 { return Int(wanted) }
        }
        return Int(min(limit.rlim_cur, rlim_t(Int.max)))
    }

    #if canImport(Glibc)
    static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    static let resource = RLIMIT_NOFILE
    #endif
}

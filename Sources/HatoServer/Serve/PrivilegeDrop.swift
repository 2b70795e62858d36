import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Running as root only as long as binding ports needs it (`[server] user`, docs/deployment.md).
///
/// Started as root, `hato serve` binds every listener, hands the files it created as root to the
/// configured user, then gives up root for good: supplementary groups first (`initgroups`), then
/// the group, then the user, since once the user id is gone the process may no longer change its
/// groups. It then checks that root cannot be regained. Started as any other user (systemd with
/// `AmbientCapabilities=CAP_NET_BIND_SERVICE`, say) there is nothing to do.
public struct PrivilegeDrop: Sendable, Equatable {
    public let user: String
    public let uid: uid_t
    public let gid: gid_t

    /// Why the server will not start, in words an operator can act on.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// What to do for `settings` in a process running with effective user `euid`: nil when there
    /// is nothing to drop. Throws when root would keep serving the network (a production
    /// configuration without `server.user`), when the user or group does not exist, or when the
    /// data directory belongs to someone else.
    public static func prepare(_ settings: HatoConfig, euid: uid_t = geteuid()) throws -> PrivilegeDrop? {
        guard euid == 0 else { return nil }
        guard let name = settings.server.user else {
            let exposed = productionListeners(settings)
            guard exposed.isEmpty else {
                throw Refusal(description: """
                    refusing to serve \(exposed.joined(separator: ", ")) as root: set [server] user = "hato" (a dedicated \
                    unprivileged account) so hato serve drops root once its ports are bound, or start it as that user \
                    with the CAP_NET_BIND_SERVICE capability (the hato.service unit written by hato quickstart does this)
                    """)
            }
            return nil
        }
        guard let account = lookupUser(name) else {
            throw Refusal(description: "server.user \"\(name)\" does not exist; create it with: useradd --system --home-dir "
                          + "\(settings.dataDirectory.path) --shell /usr/sbin/nologin \(name)")
        }
        guard account.uid != 0 else { throw Refusal(description: "server.user \"\(name)\" has user id 0: that is root by another name") }
        var gid = account.gid
        if let group = settings.server.group {
            guard let found = lookupGroup(group) else { throw Refusal(description: "server.group \"\(group)\" does not exist") }
            gid = found
        }
        let drop = PrivilegeDrop(user: name, uid: account.uid, gid: gid)
        try drop.claimDataDirectory(settings.dataDirectory)
        return drop
    }

    /// Listeners a root process must not serve itself: ports below 1024 or a non-loopback address.
    static func productionListeners(_ settings: HatoConfig) -> [String] {
        settings.listeners.sorted { $0.key.rawValue < $1.key.rawValue }.flatMap { kind, addresses in
            addresses.filter { !$0.isLoopback || (1..<1024).contains($0.port) }.map { "\(kind.rawValue) on \($0)" }
        }
    }

    /// The data directory must belong to the user the server becomes (it writes message files
    /// there for its whole life). A missing one is created for that user.
    func claimDataDirectory(_ directory: URL) throws {
        var info = stat()
        if stat(directory.path, &info) != 0 {
            guard errno == ENOENT else { throw Refusal(description: "cannot read \(directory.path): \(String(cString: strerror(errno)))") }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
            guard chown(directory.path, uid, gid) == 0 else {
                throw Refusal(description: "cannot give \(directory.path) to \(user): \(String(cString: strerror(errno)))")
            }
            return
        }
        guard info.st_uid == uid else {
            throw Refusal(description: """
                data_dir \(directory.path) belongs to user id \(info.st_uid), but hato serve runs as \(user) (uid \(uid)) once \
                its ports are bound and could not write there: chown -R \(user): \(directory.path)
                """)
        }
    }

    /// Gives `user` what this root process created in the data directory before dropping (the
    /// database and its journal on first start, the lock file, the generated certificate): the
    /// top-level entries and `tls/`, never the message tree, which only the dropped server writes.
    public func handOver(_ directory: URL) {
        for folder in [directory, directory.appendingPathComponent("tls")] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names {
                let path = folder.appendingPathComponent(name).path
                var info = stat()
                if lstat(path, &info) == 0, info.st_uid == 0 { _ = lchown(path, uid, gid) }
            }
        }
    }

    /// Drops root for good, in the one order that works: groups, group, user (setgroups and
    /// setgid need root). glibc applies each change to every thread of the process. Then checks
    /// that the data directory is still usable, and returns the `readable` files (certificates
    /// reloaded on SIGHUP) the user cannot read.
    public func perform(dataDirectory: URL, readable: [URL]) throws -> [String] {
        guard initgroups(user, gid) == 0 else { throw failure("initgroups") }
        guard setgid(gid) == 0 else { throw failure("setgid") }
        guard setuid(uid) == 0 else { throw failure("setuid") }
        guard getuid() == uid, geteuid() == uid, getgid() == gid, getegid() == gid else {
            throw Refusal(description: "after dropping privileges the process still runs as uid \(geteuid()) gid \(getegid())")
        }
        // A real drop leaves no way back. Should one of these succeed, this process is root
        // again and must not serve a single connection.
        if setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0 {
            FileHandle.standardError.write(Data("hato: root could be regained after dropping privileges to \(user); stopping\n".utf8))
            _exit(70)
        }
        guard access(dataDirectory.path, R_OK | W_OK | X_OK) == 0 else {
            throw Refusal(description: "\(user) cannot write data_dir \(dataDirectory.path) (a parent directory is closed to it?): "
                          + String(cString: strerror(errno)))
        }
        return readable.filter { access($0.path, R_OK) != 0 }.map(\.path)
    }

    private func failure(_ call: String) -> Refusal {
        Refusal(description: "\(call) to \(user) (uid \(uid), gid \(gid)) failed: \(String(cString: strerror(errno)))")
    }

    static func lookupUser(_ name: String) -> (uid: uid_t, gid: gid_t)? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return (entry.pw_uid, entry.pw_gid)
    }

    static func lookupGroup(_ name: String) -> gid_t? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }
}

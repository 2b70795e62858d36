import Foundation
import MailStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension StoreCheck {
    /// Rows against files and inline bodies (`InlineBodies`, their sizes in `inline`): each
    /// referenced body must exist with the size its rows record; every file in a body directory
    /// and every inline body must be referenced; `tmp/` must be empty (a write in progress
    /// renames its file out of `tmp/` before the commit).
    func scanBodies(_ references: [String: [StoreIssue.BodyUser]], inline: [String: Int64] = [:]) throws -> (issues: [StoreIssue], files: Int) {
        var issues: [StoreIssue] = []
        var files = 0
        for path in references.keys.sorted() {
            let users = references[path]!
            let stored = InlineBodies.isInline(path) ? inline[path] : Self.fileSize(bodies.url(for: BodyReference(path: path)).path)
            guard let size = stored else {
                issues.append(.missingBody(path: path, users: users))
                continue
            }
            files += 1
            let wrong = users.filter { $0.size != size }
            if !wrong.isEmpty {
                issues.append(.bodySize(path: path, actual: size, users: wrong, intact: wrong.count < users.count))
            }
        }
        for (path, size) in inline.sorted(by: { $0.key < $1.key }) where references[path] == nil {
            issues.append(.orphanBody(path: path, size: size))
        }
        let fm = FileManager.default
        for directory in try fm.contentsOfDirectory(atPath: bodies.root.path).sorted() {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: bodies.root.appendingPathComponent(directory).path, isDirectory: &isDirectory),
                  isDirectory.boolValue else { continue }
            for name in try fm.contentsOfDirectory(atPath: bodies.root.appendingPathComponent(directory).path).sorted() {
                let path = "\(directory)/\(name)"
                if directory == "tmp" {
                    issues.append(.unfinishedBody(path: path, size: Self.fileSize(bodies.url(for: BodyReference(path: path)).path) ?? 0))
                } else if references[path] == nil {
                    issues.append(.orphanBody(path: path, size: Self.fileSize(bodies.url(for: BodyReference(path: path)).path) ?? 0))
                }
            }
        }
        return (issues, files)
    }

    /// The size of a regular file, nil when there is none at `path`.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }
}

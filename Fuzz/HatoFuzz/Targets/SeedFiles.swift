import Foundation

/// Corpus files: a file itself, or every regular file under a directory (sorted, dot files
/// skipped).
public enum SeedFiles {
    public static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let entries = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []
        return entries.sorted().filter { !$0.split(separator: "/").contains { $0.hasPrefix(".") } }.compactMap { entry in
            let full = path + "/" + entry
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: full, isDirectory: &isDir) && !isDir.boolValue ? full : nil
        }
    }
}

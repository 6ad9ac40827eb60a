#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat

/// Directory operations the log and table layers need, with failures as `CairnError(.io)` naming the path.
package enum DirectoryIO {
    /// Creates `path` and any missing parents. An existing directory is not an error.
    /// Each new directory's entry is fsynced into its parent, so a manifest that later names files
    /// inside it never outlives the directory after a power loss.
    package static func createAll(_ path: String) throws(CairnError) {
        if isDirectory(path) { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try createAll(String(path[..<slash]))
        }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw FileIO.ioError("mkdir", path) }
        try FileIO.syncDirectory(containing: path)
    }

    package static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    package static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in `path` other than `.` and `..`, sorted; a missing directory has none.
    package static func entries(_ path: String) throws(CairnError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw FileIO.ioError("opendir", path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Deletes `path` and everything below it; a missing path is not an error.
    package static func removeTree(_ path: String) throws(CairnError) {
        if isDirectory(path) {
            for name in try entries(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 || errno == ENOENT else { throw FileIO.ioError("rmdir", path) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw FileIO.ioError("unlink", path) }
        }
    }

    /// Makes the entries of directory `path` (creations, renames, deletions) durable.
    package static func sync(_ path: String) throws(CairnError) {
        try FileIO.syncDirectory(containing: path + "/.")
    }
}

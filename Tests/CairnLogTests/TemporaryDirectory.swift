#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnLog

/// A fresh directory under /tmp, removed when the test's scope ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/cairn-log-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress, let made = mkdtemp(base) else { return "/tmp/cairn-log-test-fallback" }
            return String(cString: made)
        }
    }

    deinit { try? DirectoryIO.removeTree(path) }

    func fileSize(_ name: String) -> Int {
        var st = stat()
        return stat(path + "/" + name, &st) == 0 ? Int(st.st_size) : -1
    }

    func readFile(_ name: String) -> [UInt8] {
        guard let f = fopen(path + "/" + name, "rb") else { return [] }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    func writeFile(_ name: String, _ bytes: [UInt8]) {
        guard let f = fopen(path + "/" + name, "wb") else { return }
        defer { fclose(f) }
        _ = fwrite(bytes, 1, bytes.count, f)
    }

    func truncateFile(_ name: String, to size: Int) {
        _ = truncate(path + "/" + name, off_t(size))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CairnFormat

/// The `<db>/MANIFEST` file: which segments and tables exist, and where WAL replay starts
/// (docs/format.md §6). The payload is any `Codable` value, stored as JSON behind a checksummed header:
///
/// ```
/// "CAIRNMAN" | u32 version | u64 payload length | u32 CRC-32C of the preceding 20 bytes and the payload
/// JSON payload
/// ```
///
/// The file is never edited in place: ``write(_:directory:)`` writes `MANIFEST.tmp`, fsyncs it,
/// renames it over `MANIFEST` and fsyncs the directory, so a crash leaves either the old or the new manifest.
package enum ManifestFile {
    package static let fileName = "MANIFEST"
    package static let temporaryFileName = "MANIFEST.tmp"
    package static let magic: [UInt8] = Array("CAIRNMAN".utf8)
    package static let version: UInt32 = 1
    package static let headerSize = 24
    /// Manifests beyond this are rejected as corrupt before allocating (a flipped length byte).
    static let maxPayload = 1 << 32

    /// Reads and verifies the manifest in `directory`; nil if there is none yet.
    /// - Throws: `.corrupt` (bad magic, checksum, truncation, undecodable JSON) or `.unsupportedVersion`, naming the file.
    package static func read<T: Decodable>(_ type: T.Type, directory: String) throws(CairnError) -> T? {
        let path = directory + "/" + fileName
        let fd: Int32
        do {
            fd = try FileIO.openForReading(path)
        } catch where error.code == .notFound {
            return nil
        }
        defer { closeDescriptor(fd) }
        let size = try FileIO.fileSize(fd, path: path)
        guard size >= headerSize else {
            throw CairnError.corrupt(path, offset: size, "manifest is truncated: \(size) bytes, shorter than its header")
        }
        let header = try FileIO.read(fd, path: path, offset: 0, count: headerSize)
        guard header.prefix(8).elementsEqual(magic) else {
            throw CairnError.corrupt(path, offset: 0, "not a Cairn manifest (bad magic)")
        }
        let (fileVersion, length, crc) = header.withUnsafeBytes { raw in
            (UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
             UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self)),
             UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 20, as: UInt32.self)))
        }
        guard fileVersion == version else {
            throw CairnError(.unsupportedVersion, "manifest format version \(fileVersion) is not supported "
                             + "(this build reads version \(version))", file: path, offset: 8)
        }
        guard length == UInt64(size - headerSize) else {
            throw CairnError.corrupt(path, offset: 12, "manifest header announces \(length) payload bytes "
                                     + "but the file holds \(size - headerSize)")
        }
        let payload = try FileIO.read(fd, path: path, offset: headerSize, count: Int(length))
        let expected = CRC32C.checksum(payload, seed: CRC32C.checksum(Array(header[0..<20])))
        guard crc == expected else {
            throw CairnError.corrupt(path, offset: 20, "manifest fails its checksum")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload))
        } catch {
            throw CairnError.corrupt(path, offset: headerSize, "manifest payload cannot be decoded: \(error)")
        }
    }

    /// Identifies the manifest file now in `directory` (inode, size, modification time), so a reader can
    /// tell cheaply whether a writer has replaced it; nil if there is none.
    package static func identity(directory: String) -> [Int64]? {
        var st = stat()
        guard stat(directory + "/" + fileName, &st) == 0 else { return nil }
        return [Int64(st.st_ino), Int64(st.st_size), Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec)]
    }

    /// Atomically replaces the manifest in `directory` with `value`; durable when this returns.
    package static func write<T: Encodable>(_ value: T, directory: String) throws(CairnError) {
        try write(payload: try json(value, directory: directory), directory: directory)
    }

    /// `value` as the JSON a manifest payload holds (sorted keys).
    package static func json<T: Encodable>(_ value: T, directory: String) throws(CairnError) -> [UInt8] {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Array(try encoder.encode(value))
        } catch {
            throw CairnError(.io, "cannot encode the manifest: \(error)", file: directory + "/" + fileName)
        }
    }

    /// Atomically replaces the manifest in `directory` with an already encoded JSON payload.
    /// - Throws: only before the new manifest replaced the old one, so an error means nothing changed.
    package static func write(payload: [UInt8], directory: String) throws(CairnError) {
        try stage(payload: payload, directory: directory)
        try publish(directory: directory)
    }

    /// The first half of ``write(payload:directory:)``: writes and fsyncs the new manifest as
    /// `MANIFEST.tmp`, which no reader or open looks at. Files the new manifest names may still be
    /// being made durable meanwhile; ``publish(directory:)`` must wait for them.
    package static func stage(payload: [UInt8], directory: String) throws(CairnError) {
        var bytes = magic
        bytes.reserveCapacity(headerSize + payload.count)
        bytes.appendLE(version)
        bytes.appendLE(UInt64(payload.count))
        bytes.appendLE(CRC32C.checksum(payload, seed: CRC32C.checksum(bytes)))
        bytes.append(contentsOf: payload)

        let writer = try FileWriter(creating: directory + "/" + temporaryFileName)
        try writer.append(bytes)
        try writer.sync()
        try writer.close()
    }

    /// The second half of ``write(payload:directory:)``: renames the staged manifest over the current one.
    /// - Throws: only if the rename fails, so an error means nothing changed.
    package static func publish(directory: String) throws(CairnError) {
        try FileIO.rename(directory + "/" + temporaryFileName, to: directory + "/" + fileName)
        // Once renamed, the new manifest is the one every reader and the next open see: this commit has
        // happened, and callers must not undo it (deleting files it names). A failing directory fsync is
        // retried; if it keeps failing, only a power loss could still bring back the previous manifest.
        for _ in 0..<3 {
            if (try? DirectoryIO.sync(directory)) != nil { return }
        }
    }
}

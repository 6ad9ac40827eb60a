#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat

/// Reads log files back at open (docs/format.md §5.6).
///
/// Recovery rule: records are applied in order until the first record that is truncated or fails
/// its CRC. If no valid record follows it in the file, it is a torn tail left by a crash mid-append:
/// reading stops there, and in repair mode the file is truncated at that offset. If a valid record
/// does follow, the log was damaged after it was written, and replay fails with `.corrupt` naming
/// the file and offset instead of silently dropping committed data.
package enum WALReader {
    /// Sequence numbers of the log files in `directory`, ascending.
    package static func sequences(in directory: String) throws(CairnError) -> [UInt64] {
        try DirectoryIO.entries(directory).compactMap(WALFormat.sequence(fileName:)).sorted()
    }

    /// Each log file's sequence and size, in order: it changes with every commit, so a read-only
    /// reader compares it to see whether the writer appended since it last replayed the log.
    package static func identity(directory: String) -> [Int64] {
        var out: [Int64] = []
        for sequence in (try? sequences(in: directory)) ?? [] {
            var st = stat()
            guard stat(directory + "/" + WALFormat.fileName(sequence: sequence), &st) == 0 else { continue }
            out += [Int64(bitPattern: sequence), Int64(st.st_size)]
        }
        return out
    }

    /// What replaying one file found.
    package struct FileResult: Sendable, Equatable {
        package var records: Int
        /// Offset of a torn tail that was ignored (and cut off in repair mode), if any.
        package var tornTailOffset: Int?
    }

    /// Calls `body` with each record of log file `sequence` in order.
    ///
    /// A file shorter than its header (a crash while creating it) holds no records; in repair mode it is deleted.
    /// - Parameter repair: truncate a torn tail (read-write opens); read-only opens pass false.
    /// - Throws: `.corrupt` or `.unsupportedVersion` naming the file; whatever `body` throws.
    @discardableResult
    package static func replay(directory: String, sequence: UInt64, repair: Bool,
                               _ body: (WALRecord) throws(CairnError) -> Void) throws(CairnError) -> FileResult {
        let path = directory + "/" + WALFormat.fileName(sequence: sequence)
        let fd = try FileIO.openForReading(path)
        defer { closeDescriptor(fd) }
        let size = try FileIO.fileSize(fd, path: path)
        if size < WALFormat.headerSize {
            if repair {
                FileIO.removeIfPresent(path)
                try DirectoryIO.sync(directory)
            }
            return FileResult(records: 0, tornTailOffset: size == 0 ? nil : 0)
        }
        let bytes = try FileIO.read(fd, path: path, offset: 0, count: size)
        let result = try bytes.withUnsafeBufferPointer { (buf) throws(CairnError) -> FileResult in
            let raw = UnsafeRawBufferPointer(buf)
            let version = try checkHeader(raw, sequence: sequence, path: path)
            var offset = WALFormat.headerSize
            var records = 0
            while offset < raw.count {
                guard let frame = frame(in: raw, at: offset) else {
                    if let next = nextValidFrame(in: raw, after: offset) {
                        throw CairnError.corrupt(path, offset: offset, "write-ahead log record is damaged but valid "
                                                 + "records follow at offset \(next); refusing to drop committed data")
                    }
                    return FileResult(records: records, tornTailOffset: offset)
                }
                guard version > 1 || frame.type == WALRecordType.insert.rawValue else {
                    throw CairnError.corrupt(path, offset: offset, "write-ahead log record of type \(frame.type) "
                                             + "in a version 1 log, which holds only inserts")
                }
                guard let record = WALRecord.decode(type: frame.type, payload: frame.payload) else {
                    throw CairnError.corrupt(path, offset: offset, "write-ahead log record of type \(frame.type) "
                                             + "passes its checksum but cannot be decoded")
                }
                try body(record)
                records += 1
                offset = frame.end
            }
            return FileResult(records: records, tornTailOffset: nil)
        }
        if repair, let torn = result.tornTailOffset {
            try truncate(path, at: torn)
        }
        return result
    }

    /// Returns the file's format version.
    private static func checkHeader(_ raw: UnsafeRawBufferPointer, sequence: UInt64, path: String) throws(CairnError) -> UInt32 {
        guard raw.prefix(8).elementsEqual(WALFormat.magic) else {
            throw CairnError.corrupt(path, offset: 0, "not a Cairn write-ahead log (bad magic)")
        }
        var cursor = ByteCursor(UnsafeRawBufferPointer(rebasing: raw[8..<WALFormat.headerSize]))
        let version = cursor.read(UInt32.self) ?? 0
        let fileSequence = cursor.read(UInt64.self) ?? 0
        let crc = cursor.read(UInt32.self) ?? 0
        guard WALFormat.readableVersions.contains(version) else {
            throw CairnError(.unsupportedVersion, "write-ahead log format version \(version) is not supported "
                             + "(this build reads versions \(WALFormat.readableVersions.lowerBound) to "
                             + "\(WALFormat.readableVersions.upperBound))", file: path, offset: 8)
        }
        guard crc == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<20])) else {
            throw CairnError.corrupt(path, offset: 0, "write-ahead log header fails its checksum")
        }
        guard fileSequence == sequence else {
            throw CairnError.corrupt(path, offset: 12, "write-ahead log header names sequence \(fileSequence), "
                                     + "but the file name says \(sequence)")
        }
        return version
    }

    private struct Frame {
        var type: UInt8
        var payload: UnsafeRawBufferPointer
        var end: Int
    }

    /// The record framed at `offset` if it is complete, of a known type, and passes its CRC.
    private static func frame(in raw: UnsafeRawBufferPointer, at offset: Int) -> Frame? {
        let available = raw.count - offset - WALFormat.recordPrefixSize
        guard available >= 1 else { return nil }
        let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        let crc = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
        guard length >= 1, length <= available else { return nil }
        let start = offset + WALFormat.recordPrefixSize
        let body = UnsafeRawBufferPointer(rebasing: raw[start..<start + length])
        guard WALRecordType(rawValue: body[0]) != nil, CRC32C.checksum(body) == crc else { return nil }
        return Frame(type: body[0], payload: UnsafeRawBufferPointer(rebasing: body[1...]), end: start + length)
    }

    /// The offset of the first valid record starting after `offset`, if any.
    private static func nextValidFrame(in raw: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var candidate = offset + 1
        while candidate + WALFormat.recordPrefixSize < raw.count {
            if frame(in: raw, at: candidate) != nil { return candidate }
            candidate += 1
        }
        return nil
    }

    private static func truncate(_ path: String, at offset: Int) throws(CairnError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.ioError("open", path) }
        defer { closeDescriptor(fd) }
        guard ftruncate(fd, off_t(offset)) == 0 else { throw FileIO.ioError("ftruncate", path) }
        guard fsync(fd) == 0 else { throw FileIO.ioError("fsync", path) }
    }
}

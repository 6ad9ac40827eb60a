import CairnFormat

/// Constants and framing of write-ahead log files (docs/format.md §5).
///
/// A log file `<db>/wal/<sequence as 16 hex digits>.wal` starts with a 24-byte header
/// (`"CAIRNWAL"`, u32 version, u64 sequence, u32 CRC-32C of the preceding 20 bytes) followed by
/// records `[u32 length][u32 crc32c(type + payload)][u8 type][payload]`, where `length` counts
/// the type byte and the payload.
package enum WALFormat {
    package static let magic: [UInt8] = Array("CAIRNWAL".utf8)
    /// Version 2 added delete records (§5.3); version 1 files, which hold only inserts, are still read.
    package static let version: UInt32 = 2
    /// The versions a reader accepts; others are `.unsupportedVersion`.
    package static let readableVersions: ClosedRange<UInt32> = 1...2
    package static let headerSize = 24
    /// `length` + `crc` in front of the type byte.
    package static let recordPrefixSize = 8
    /// Largest `length` a record may have; larger batches must be split by the caller.
    package static let maxRecordLength = Int(UInt32.max)

    package static func fileName(sequence: UInt64) -> String {
        let hex = String(sequence, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".wal"
    }

    /// The sequence encoded in a log file name, or nil for any other name.
    package static func sequence(fileName name: String) -> UInt64? {
        guard name.utf8.count == 20, name.hasSuffix(".wal") else { return nil }
        let hex = name.prefix(16)
        guard hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return UInt64(hex, radix: 16)
    }

    static func header(sequence: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.appendLE(version)
        bytes.appendLE(sequence)
        bytes.appendLE(CRC32C.checksum(bytes))
        return bytes
    }
}

/// Record types; numbers are never reused (docs/format.md §5.3).
package enum WALRecordType: UInt8, Sendable {
    /// u32 table id, then a ``ColumnBatchCodec`` batch: rows appended to that table in one commit.
    case insert = 1
    /// u32 table id, then a deletion file (docs/format.md §8), opaque to the log: one DELETE statement.
    case delete = 2
}

/// A decoded log record.
package enum WALRecord: Sendable {
    case insert(tableID: UInt32, columnIDs: [UInt32], columns: [ColumnVector], rowCount: Int)
    case delete(tableID: UInt32, deletionFile: [UInt8])

    /// Decodes the payload of a record whose CRC has already been verified; nil if malformed.
    static func decode(type: UInt8, payload: UnsafeRawBufferPointer) -> WALRecord? {
        switch WALRecordType(rawValue: type) {
        case .insert:
            guard payload.count >= 4 else { return nil }
            let tableID = UInt32(littleEndian: payload.loadUnaligned(as: UInt32.self))
            guard let batch = ColumnBatchCodec.decode(UnsafeRawBufferPointer(rebasing: payload[4...])) else { return nil }
            return .insert(tableID: tableID, columnIDs: batch.columnIDs, columns: batch.columns, rowCount: batch.rowCount)
        case .delete:
            guard payload.count >= 4 else { return nil }
            let tableID = UInt32(littleEndian: payload.loadUnaligned(as: UInt32.self))
            return .delete(tableID: tableID, deletionFile: Array(payload[4...]))
        case nil:
            return nil
        }
    }
}

/// A record being built in place: the frame prefix is reserved up front so that appending the
/// payload and sealing never copies the (possibly large) payload again.
package struct WALRecordBuffer {
    package private(set) var bytes: [UInt8]

    package init(type: WALRecordType, payloadCapacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(WALFormat.recordPrefixSize + 1 + payloadCapacity)
        bytes.append(contentsOf: [UInt8](repeating: 0, count: WALFormat.recordPrefixSize))
        bytes.append(type.rawValue)
    }

    /// An insert record: `rowCount` rows of `columns` (tagged with their column ids) for table `tableID`.
    package static func insert(tableID: UInt32, columnIDs: [UInt32], columns: [ColumnVector], rowCount: Int) -> WALRecordBuffer {
        var record = WALRecordBuffer(
            type: .insert, payloadCapacity: 4 + ColumnBatchCodec.encodedSize(columns: columns, rowCount: rowCount))
        record.bytes.appendLE(tableID)
        ColumnBatchCodec.encode(columnIDs: columnIDs, columns: columns, rowCount: rowCount, into: &record.bytes)
        return record
    }

    /// A delete record: the deletion file one DELETE statement on table `tableID` produced.
    package static func delete(tableID: UInt32, deletionFile: [UInt8]) -> WALRecordBuffer {
        var record = WALRecordBuffer(type: .delete, payloadCapacity: 4 + deletionFile.count)
        record.bytes.appendLE(tableID)
        record.bytes.append(contentsOf: deletionFile)
        return record
    }

    /// Bytes the framed record occupies in the log.
    package var size: Int { bytes.count }

    /// Fills in length and CRC. Requires the record to fit `WALFormat.maxRecordLength`.
    mutating func seal() {
        let length = bytes.count - WALFormat.recordPrefixSize
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[WALFormat.recordPrefixSize...])) }
        bytes.storeLE(UInt32(truncatingIfNeeded: length), at: 0)
        bytes.storeLE(crc, at: 4)
    }
}

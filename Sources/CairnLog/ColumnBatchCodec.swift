import CairnFormat

/// The self-describing columnar encoding of a batch of rows, used in WAL insert records
/// (docs/format.md §5.4). Column values are copied as whole arrays, never row by row.
///
/// ```
/// u32 rowCount, u32 columnCount, then per column:
///   u32 columnID, u8 physical (1 int64, 2 float64, 3 bytes, 4 vectors), u8 flags (bit 0: has validity)
///   [validity bitmap: ceil(rowCount / 8) bytes, bit i (LSB first) set = row i is not NULL]
///   int64/float64: rowCount × 8 bytes
///   bytes: rowCount × u32 value lengths, then the concatenated value bytes
///   vectors: u32 dimension, then rowCount × dimension × f32 (NULL rows are zeros)
/// ```
package enum ColumnBatchCodec {
    /// Appends the encoding of `columns` (all `rowCount` long) tagged with `columnIDs` to `out`.
    package static func encode(columnIDs: [UInt32], columns: [ColumnVector], rowCount: Int, into out: inout [UInt8]) {
        out.appendLE(UInt32(rowCount))
        out.appendLE(UInt32(columns.count))
        for (id, column) in zip(columnIDs, columns) {
            out.appendLE(id)
            out.append(column.physical.rawValue)
            out.append(column.validity == nil ? 0 : 1)
            if let validity = column.validity { appendBitmap(validity, into: &out) }
            switch column.storage {
            case .int64(let values): values.withUnsafeBytes { out.append(contentsOf: $0) }
            case .float64(let values): values.withUnsafeBytes { out.append(contentsOf: $0) }
            case .bytes(let strings):
                out.reserveCapacity(out.count + strings.count * 4 + strings.data.count)
                for i in 0..<strings.count { out.appendLE(UInt32(strings.length(at: i))) }
                out.append(contentsOf: strings.data)
            case .vectors(let vectors):
                out.appendLE(UInt32(vectors.dimension))
                vectors.floats.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
    }

    /// Encoded size of `columns`, for sizing buffers and checking the WAL record limit.
    package static func encodedSize(columns: [ColumnVector], rowCount: Int) -> Int {
        var size = 8
        for column in columns {
            size += 6 + (column.validity == nil ? 0 : (rowCount + 7) / 8)
            switch column.storage {
            case .int64, .float64: size += rowCount * 8
            case .bytes(let strings): size += rowCount * 4 + strings.data.count
            case .vectors(let vectors): size += 4 + vectors.floats.count * 4
            }
        }
        return size
    }

    /// Decodes one batch that must fill `bytes` exactly. Returns nil if the bytes are malformed
    /// (the caller reports where); never reads out of bounds.
    package static func decode(_ bytes: UnsafeRawBufferPointer) -> (columnIDs: [UInt32], columns: [ColumnVector], rowCount: Int)? {
        var cursor = ByteCursor(bytes)
        guard let rows32 = cursor.read(UInt32.self), let columnCount = cursor.read(UInt32.self) else { return nil }
        let rows = Int(rows32)
        // Each column needs at least its 6-byte descriptor, which bounds allocations by the input size.
        guard Int(columnCount) <= cursor.remaining / 6 else { return nil }
        var ids: [UInt32] = []
        var columns: [ColumnVector] = []
        ids.reserveCapacity(Int(columnCount))
        columns.reserveCapacity(Int(columnCount))
        for _ in 0..<columnCount {
            guard let id = cursor.read(UInt32.self), let physicalRaw = cursor.read(UInt8.self),
                  let physical = PhysicalType(rawValue: physicalRaw), let flags = cursor.read(UInt8.self),
                  flags <= 1 else { return nil }
            var validity: [Bool]?
            if flags == 1 {
                guard let bitmap = cursor.take((rows + 7) / 8) else { return nil }
                validity = readBitmap(bitmap, count: rows)
            }
            let storage: ColumnVector.Storage
            switch physical {
            case .int64:
                guard let raw = cursor.take(rows * 8) else { return nil }
                storage = .int64([Int64](copyingBytes: raw, count: rows))
            case .float64:
                guard let raw = cursor.take(rows * 8) else { return nil }
                storage = .float64([Double](copyingBytes: raw, count: rows))
            case .bytes:
                guard let lengths = cursor.take(rows * 4) else { return nil }
                var offsets = [Int](repeating: 0, count: rows + 1)
                var total = 0
                for i in 0..<rows {
                    total += Int(UInt32(littleEndian: lengths.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    offsets[i + 1] = total
                }
                guard let data = cursor.take(total) else { return nil }
                storage = .bytes(ByteArray(offsets: offsets, data: Array(data)))
            case .vector:
                guard let dimension = cursor.read(UInt32.self).map(Int.init), dimension <= VectorText.maxDimension,
                      let raw = cursor.take(rows * dimension * 4) else { return nil }
                storage = .vectors(VectorArray(dimension: dimension, count: rows,
                                               floats: AlignedFloats(copyingBytes: raw, count: rows * dimension), norms: nil))
            }
            ids.append(id)
            columns.append(ColumnVector(storage: storage, validity: validity))
        }
        guard cursor.remaining == 0 else { return nil }
        return (ids, columns, rows)
    }

    private static func appendBitmap(_ validity: [Bool], into out: inout [UInt8]) {
        var byte: UInt8 = 0
        for (i, valid) in validity.enumerated() {
            if valid { byte |= 1 << UInt8(i & 7) }
            if i & 7 == 7 { out.append(byte); byte = 0 }
        }
        if validity.count & 7 != 0 { out.append(byte) }
    }

    private static func readBitmap(_ bitmap: UnsafeRawBufferPointer, count: Int) -> [Bool] {
        [Bool](unsafeUninitializedCapacity: count) { buf, initialized in
            for i in 0..<count { buf[i] = bitmap[i >> 3] & (1 << UInt8(i & 7)) != 0 }
            initialized = count
        }
    }
}

/// Encodings of a run of byte strings (VARCHAR, JSON) (docs/format.md §2.5).
enum StringEncoding {
    enum ID: UInt8 {
        /// Lengths as a frame-of-reference vector, `u64` total length, then the bytes back to back.
        case plain = 0
        /// Distinct strings (in order of first appearance) as a plain section, then bit-packed codes.
        /// Read only: written by segment format version 1.
        case dictionary = 1
        /// As `dictionary`, with the distinct strings in ascending byte order, so that code order is
        /// string order and a reader finds a string's code by binary search.
        case sortedDictionary = 2
    }

    /// Blocks with more distinct strings than this are stored plain.
    static let maxDictionarySize = 1 << 16

    @discardableResult
    static func encode(_ strings: ByteArray, into out: inout [UInt8]) -> ID {
        let n = strings.count
        return strings.data.withUnsafeBytes { data in
            strings.offsets.withUnsafeBufferPointer { offsets in
                // Dictionary only when values repeat: at most three distinct strings in four rows.
                if n >= 2 {
                    var table = ByteStringDistinctTable(limit: Swift.min(maxDictionarySize, n * 3 / 4))
                    var codes = [Int32](repeating: 0, count: n)
                    let complete = codes.withUnsafeMutableBufferPointer { table.encode(data, offsets: offsets, count: n, codes: $0) }
                    let d = table.count
                    var minLength = Int.max, maxLength = 0
                    for i in 0..<n {
                        let length = offsets[i + 1] - offsets[i]
                        minLength = Swift.min(minLength, length)
                        maxLength = Swift.max(maxLength, length)
                    }
                    let lo = Int64(minLength), hi = Int64(maxLength)
                    let plainSize = FrameOfReference.size(count: n, min: lo, max: hi) + 8 + offsets[n]
                    let dictSize = 4 + FrameOfReference.size(count: d, min: lo, max: hi) + 8 + table.distinctBytes
                        + 1 + BitPacking.byteCount(count: n, width: BitPacking.width(UInt64(d - 1)))
                    if complete, d > 0, dictSize < plainSize {
                        out.append(ID.sortedDictionary.rawValue)
                        out.appendLittleEndian(UInt32(d))
                        let firstRows = table.firstRows
                        // Sorted by their first sixteen bytes as two big-endian integers, which decide
                        // nearly every pair of short strings without touching their bytes; bytes compared on ties.
                        var keyed = (0..<d).map { k -> (high: UInt64, low: UInt64, code: Int) in
                            let row = Int(firstRows[k])
                            let start = offsets[row], end = offsets[row + 1]
                            return (ByteArray.prefixKey(data, start..<end), ByteArray.prefixKey(data, Swift.min(start + 8, end)..<end), k)
                        }
                        keyed.sort { a, b in
                            if a.high != b.high { return a.high < b.high }
                            if a.low != b.low { return a.low < b.low }
                            let x = Int(firstRows[a.code]), y = Int(firstRows[b.code])
                            return compareBytes(data, offsets[x]..<offsets[x + 1], offsets[y]..<offsets[y + 1]) < 0
                        }
                        let order = keyed.map(\.code)
                        var rank = [Int32](repeating: 0, count: d)
                        for (position, code) in order.enumerated() { rank[code] = Int32(position) }
                        writePlain(count: d, data: data, into: &out) { k in
                            let row = Int(firstRows[order[k]])
                            return offsets[row]..<offsets[row + 1]
                        }
                        BitPacking.write(count: n, width: BitPacking.width(UInt64(d - 1)), into: &out) {
                            UInt64(rank[Int(codes[$0])])
                        }
                        return .sortedDictionary
                    }
                }
                out.append(ID.plain.rawValue)
                writePlain(count: n, data: data, into: &out) { offsets[$0]..<offsets[$0 + 1] }
                return .plain
            }
        }
    }

    /// Writes a plain section of `count` strings, string `k` being `data[range(k)]`.
    private static func writePlain(count: Int, data: UnsafeRawBufferPointer, into out: inout [UInt8],
                                   _ range: (Int) -> Range<Int>) {
        FrameOfReference.write(count: count, into: &out) { Int64(range($0).count) }
        var total = 0
        for k in 0..<count { total += range(k).count }
        out.appendLittleEndian(UInt64(total))
        out.reserveCapacity(out.count + total)
        for k in 0..<count {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[range(k)]))
        }
    }

    /// The strings, their encoding, and for a dictionary each string's code and the distinct strings.
    @discardableResult
    static func decode(_ r: inout ByteReader, count n: Int) throws(CairnError) -> (ByteArray, ID, dictionary: (codes: [Int64], values: ByteArray)?) {
        let raw = try r.read(UInt8.self)
        guard let id = ID(rawValue: raw) else { throw r.corrupt("unknown string encoding \(raw)") }
        switch id {
        case .plain:
            return (try readPlain(&r, count: n), .plain, nil)
        case .dictionary, .sortedDictionary:
            let size = try r.readCount(UInt32.self, limit: Swift.max(n, 1), "dictionary size")
            guard size > 0 else { throw r.corrupt("empty string dictionary") }
            let dict = try readPlain(&r, count: size)
            if id == .sortedDictionary, let c = dict.data.withUnsafeBytes({ data in firstOutOfOrder(data, dict.offsets) }) {
                throw r.corrupt("sorted dictionary string \(c) does not follow string \(c - 1)")
            }
            var codes = [Int64](repeating: 0, count: n)
            try codes.withUnsafeMutableBufferPointer { (p) throws(CairnError) in try BitPacking.read(&r, into: p) }
            var total = 0
            for c in codes {
                guard c >= 0, c < size else {
                    throw r.corrupt("dictionary code \(c) is out of range for a dictionary of \(size)")
                }
                total += dict.offsets[Int(c) + 1] - dict.offsets[Int(c)]
            }
            var offsets = [Int](repeating: 0, count: n + 1)
            let data = [UInt8](unsafeUninitializedCapacity: total) { buf, initialized in
                dict.data.withUnsafeBufferPointer { src in
                    var at = 0
                    for i in 0..<n {
                        let c = Int(codes[i])
                        let start = dict.offsets[c], length = dict.offsets[c + 1] - start
                        if length > 0, let d = buf.baseAddress, let s = src.baseAddress {
                            (d + at).update(from: s + start, count: length)
                        }
                        at += length
                        offsets[i + 1] = at
                    }
                }
                initialized = total
            }
            return (ByteArray(offsets: offsets, data: data), id, (codes, dict))
        }
    }

    /// Reads a plain section of `count` strings, checking the lengths against the data that follows.
    private static func readPlain(_ r: inout ByteReader, count n: Int) throws(CairnError) -> ByteArray {
        var lengths = [Int64](repeating: 0, count: n)
        try lengths.withUnsafeMutableBufferPointer { (p) throws(CairnError) in try FrameOfReference.read(&r, into: p) }
        let total = try r.readCount(UInt64.self, limit: r.remaining, "string data length")
        var offsets = [Int](repeating: 0, count: n + 1)
        var at = 0
        for i in 0..<n {
            let length = lengths[i]
            guard length >= 0, length <= total - at else {
                throw r.corrupt("string lengths exceed the \(total) bytes of string data")
            }
            at += Int(length)
            offsets[i + 1] = at
        }
        guard at == total else { throw r.corrupt("string lengths add up to \(at), expected \(total)") }
        let bytes = try r.take(total)
        return ByteArray(offsets: offsets, data: [UInt8](bytes))
    }

    /// The first string of a sorted dictionary's section that does not sort after the one before it.
    /// Prefix keys decide most pairs, so a block read costs about a nanosecond per distinct string.
    private static func firstOutOfOrder(_ data: UnsafeRawBufferPointer, _ offsets: [Int]) -> Int? {
        guard offsets.count > 2 else { return nil }
        var previous = ByteArray.prefixKey(data, offsets[0]..<offsets[1])
        for c in 1..<(offsets.count - 1) {
            let key = ByteArray.prefixKey(data, offsets[c]..<offsets[c + 1])
            if key < previous || key == previous && compareBytes(data, offsets[c - 1]..<offsets[c], offsets[c]..<offsets[c + 1]) >= 0 {
                return c
            }
            previous = key
        }
        return nil
    }

    /// Byte order of two strings of `data`.
    private static func compareBytes(_ data: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        ByteArray.order(UnsafeRawBufferPointer(rebasing: data[a]), UnsafeRawBufferPointer(rebasing: data[b]))
    }
}

/// Encodings of a run of `Int64` values (docs/format.md §2.3). The encoder measures the data in one
/// pass, computes the exact size each encoding would take, and writes only the smallest.
///
/// All arithmetic on values wraps, so every encoding round-trips the full `Int64` range.
enum IntegerEncoding {
    enum ID: UInt8, CaseIterable {
        case plain = 0
        case frameOfReference = 1
        case delta = 2
        case deltaOfDelta = 3
        case runLength = 4
        case dictionary = 5
    }

    /// Dictionaries larger than this are not considered; the distinct count stops there.
    static let maxDictionarySize = 1024

    /// Appends `u8 encoding id` + body for `values`; returns the id.
    @discardableResult
    static func encode(_ values: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) -> ID {
        let n = values.count
        let s = Statistics(values)
        var best = ID.plain
        var bestSize = 8 * n
        func consider(_ id: ID, _ size: Int) {
            if size < bestSize { best = id; bestSize = size }
        }
        let forWidth = BitPacking.width(UInt64(bitPattern: s.max &- s.min))
        consider(.frameOfReference, FrameOfReference.size(count: n, min: s.min, max: s.max))
        if n >= 2 { consider(.delta, 8 + FrameOfReference.size(count: n - 1, min: s.deltaMin, max: s.deltaMax)) }
        if n >= 3 { consider(.deltaOfDelta, 16 + FrameOfReference.size(count: n - 2, min: s.ddMin, max: s.ddMax)) }
        if n >= 1 {
            consider(.runLength, 4 + FrameOfReference.size(count: s.runs, min: s.min, max: s.max)
                     + 1 + BitPacking.byteCount(count: s.runs, width: BitPacking.width(UInt64(s.maxRun - 1))))
        }
        // A dictionary only wins when its codes are narrower than the values; skip the distinct count otherwise.
        var table: Int64DistinctTable?
        if n >= 2, forWidth > 1, bestSize > BitPacking.byteCount(count: n, width: 1) + 16 {
            var t = Int64DistinctTable(limit: Swift.min(maxDictionarySize, n))
            var complete = true
            for v in values where t.code(of: v) == nil {
                complete = false
                break
            }
            if complete {
                let d = t.values.count
                consider(.dictionary, 4 + BitPacking.byteCount(count: d, width: forWidth) + 9
                         + 1 + BitPacking.byteCount(count: n, width: BitPacking.width(UInt64(d - 1))))
                table = t
            }
        }

        out.append(best.rawValue)
        switch best {
        case .plain:
            out.reserveCapacity(out.count + 8 * n)
            for v in values { out.appendLittleEndian(v) }
        case .frameOfReference:
            FrameOfReference.write(count: n, into: &out) { values[$0] }
        case .delta:
            out.appendLittleEndian(values[0])
            FrameOfReference.write(count: n - 1, into: &out) { values[$0 + 1] &- values[$0] }
        case .deltaOfDelta:
            out.appendLittleEndian(values[0])
            out.appendLittleEndian(values[1] &- values[0])
            FrameOfReference.write(count: n - 2, into: &out) {
                (values[$0 + 2] &- values[$0 + 1]) &- (values[$0 + 1] &- values[$0])
            }
        case .runLength:
            var runValues: [Int64] = [], runLengths: [Int64] = []
            runValues.reserveCapacity(s.runs)
            runLengths.reserveCapacity(s.runs)
            var i = 0
            while i < n {
                var j = i + 1
                while j < n, values[j] == values[i] { j += 1 }
                runValues.append(values[i])
                runLengths.append(Int64(j - i))
                i = j
            }
            out.appendLittleEndian(UInt32(runValues.count))
            FrameOfReference.write(count: runValues.count, into: &out) { runValues[$0] }
            BitPacking.write(count: runLengths.count, width: BitPacking.width(UInt64(s.maxRun - 1)), into: &out) {
                UInt64(runLengths[$0] - 1)
            }
        case .dictionary:
            guard var t = table else { return best }
            t.sortValues()
            let dict = t.values
            out.appendLittleEndian(UInt32(dict.count))
            FrameOfReference.write(count: dict.count, into: &out) { dict[$0] }
            BitPacking.write(count: n, width: BitPacking.width(UInt64(dict.count - 1)), into: &out) {
                UInt64(t.code(of: values[$0]) ?? 0)
            }
        }
        return best
    }

    /// Reads `u8 encoding id` + body, filling all of `dst`; returns the id.
    @discardableResult
    static func decode(_ r: inout ByteReader, into dst: UnsafeMutableBufferPointer<Int64>) throws(CairnError) -> ID {
        let n = dst.count
        let raw = try r.read(UInt8.self)
        guard let id = ID(rawValue: raw) else { throw r.corrupt("unknown integer encoding \(raw)") }
        switch id {
        case .plain:
            let area = try r.take(8 * n)
            for i in 0..<n {
                dst[i] = Int64(littleEndian: area.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
            }
        case .frameOfReference:
            try FrameOfReference.read(&r, into: dst)
        case .delta:
            guard n >= 2 else { throw r.corrupt("delta encoding needs at least 2 values, block has \(n)") }
            dst[0] = try r.read(Int64.self)
            try FrameOfReference.read(&r, into: UnsafeMutableBufferPointer(rebasing: dst[1...]))
            var prev = dst[0]
            for i in 1..<n {
                prev = prev &+ dst[i]
                dst[i] = prev
            }
        case .deltaOfDelta:
            guard n >= 3 else { throw r.corrupt("delta-of-delta encoding needs at least 3 values, block has \(n)") }
            dst[0] = try r.read(Int64.self)
            var delta = try r.read(Int64.self)
            dst[1] = dst[0] &+ delta
            try FrameOfReference.read(&r, into: UnsafeMutableBufferPointer(rebasing: dst[2...]))
            var prev = dst[1]
            for i in 2..<n {
                delta = delta &+ dst[i]
                prev = prev &+ delta
                dst[i] = prev
            }
        case .runLength:
            let runs = try r.readCount(UInt32.self, limit: n, "run count")
            guard runs > 0 || n == 0 else { throw r.corrupt("run-length encoding of \(n) values has no runs") }
            var runValues = [Int64](repeating: 0, count: runs)
            var runLengths = [Int64](repeating: 0, count: runs)
            try runValues.withUnsafeMutableBufferPointer { (p) throws(CairnError) in try FrameOfReference.read(&r, into: p) }
            try runLengths.withUnsafeMutableBufferPointer { (p) throws(CairnError) in try BitPacking.read(&r, into: p) }
            var at = 0
            for k in 0..<runs {
                let length = runLengths[k] &+ 1
                guard length > 0, length <= n - at else {
                    throw r.corrupt("run lengths exceed the \(n) values of the block")
                }
                for i in at..<at + Int(length) { dst[i] = runValues[k] }
                at += Int(length)
            }
            guard at == n else { throw r.corrupt("run lengths add up to \(at), expected \(n)") }
        case .dictionary:
            let size = try r.readCount(UInt32.self, limit: Swift.max(n, 1), "dictionary size")
            guard size > 0 else { throw r.corrupt("empty integer dictionary") }
            var dict = [Int64](repeating: 0, count: size)
            try dict.withUnsafeMutableBufferPointer { (p) throws(CairnError) in try FrameOfReference.read(&r, into: p) }
            try BitPacking.read(&r, into: dst)
            try gather(dictionary: dict, codes: dst, reader: r)
        }
        return id
    }

    /// Replaces each code in `codes` by its dictionary value, after checking every code is in range.
    private static func gather(dictionary: [Int64], codes: UnsafeMutableBufferPointer<Int64>,
                               reader r: ByteReader) throws(CairnError) {
        var maxCode: UInt64 = 0
        for c in codes { maxCode = Swift.max(maxCode, UInt64(bitPattern: c)) }
        guard codes.isEmpty || maxCode < UInt64(dictionary.count) else {
            throw r.corrupt("dictionary code \(maxCode) is out of range for a dictionary of \(dictionary.count)")
        }
        dictionary.withUnsafeBufferPointer { d in
            for i in codes.indices { codes[i] = d[Int(codes[i])] }
        }
    }

    /// Everything the size estimates need, gathered in one pass.
    private struct Statistics {
        var min = Int64.max, max = Int64.min
        var deltaMin = Int64.max, deltaMax = Int64.min
        var ddMin = Int64.max, ddMax = Int64.min
        var runs = 0, maxRun = 1

        init(_ v: UnsafeBufferPointer<Int64>) {
            let n = v.count
            guard n > 0 else { min = 0; max = 0; return }
            runs = 1
            var run = 1
            var prevDelta: Int64 = 0
            min = v[0]; max = v[0]
            for i in 1..<n {
                let x = v[i]
                min = Swift.min(min, x)
                max = Swift.max(max, x)
                let d = x &- v[i - 1]
                deltaMin = Swift.min(deltaMin, d)
                deltaMax = Swift.max(deltaMax, d)
                if i >= 2 {
                    let dd = d &- prevDelta
                    ddMin = Swift.min(ddMin, dd)
                    ddMax = Swift.max(ddMax, dd)
                }
                prevDelta = d
                if d == 0 {
                    run += 1
                } else {
                    maxRun = Swift.max(maxRun, run)
                    run = 1
                    runs += 1
                }
            }
            maxRun = Swift.max(maxRun, run)
        }
    }
}

import Foundation
import PropertyBased
import Testing
@testable import CairnFormat

// VECTOR columns in segment files (docs/format.md §3.3) and pgvector's text form.

/// One generated case: a segment of an id column, a VARCHAR column (so the vector blocks do not land on
/// a 64-byte boundary by accident) and two VECTOR columns, cut into blocks of `rowsPerBlock` rows.
private struct VectorSegmentCase: Sendable, CustomStringConvertible {
    var dimension: Int
    var rows: Int
    var rowsPerBlock: Int
    /// Row-major floats of the main vector column; NULL rows are zeros.
    var floats: [Float]
    /// nil when no row is NULL.
    var validity: [Bool]?
    /// A second, 3-dimensional vector column whose NULLs follow a different pattern.
    var small: [Float]
    var smallValidity: [Bool]?
    var labels: [String]
    /// Whether every element is of a modest size, so that a norm computed in Double is a fair reference.
    var modest: Bool

    var description: String {
        "dimension \(dimension), \(rows) rows, \(rowsPerBlock) rows per block, "
            + "\(validity.map { $0.filter { !$0 }.count } ?? 0) NULLs"
    }

    var vectorColumn: ColumnVector {
        ColumnVector(storage: .vectors(VectorArray(dimension: dimension, floats: floats)), validity: validity)
    }

    var smallColumn: ColumnVector {
        ColumnVector(storage: .vectors(VectorArray(dimension: 3, floats: small)), validity: smallValidity)
    }

    var segmentColumns: [SegmentColumn] {
        [
            SegmentColumn(id: 1, type: .bigint, data: ColumnVector(storage: .int64((0..<rows).map { Int64($0) * 7919 }))),
            SegmentColumn(id: 2, type: .varchar, data: ColumnVector(storage: .bytes(ByteArray(labels)))),
            SegmentColumn(id: 3, type: .vector, data: vectorColumn),
            SegmentColumn(id: 4, type: .vector, data: smallColumn),
        ]
    }

    var blockRanges: [Range<Int>] {
        stride(from: 0, to: rows, by: rowsPerBlock).map { $0..<min($0 + rowsPerBlock, rows) }
    }
}

/// A random finite float of one of several shapes.
private func randomVectorElement(_ shape: Int, _ rng: inout RNG) -> Float {
    switch shape {
    case 0: return Float.random(in: -1...1, using: &rng)
    case 1: return Float(Int.random(in: -100...100, using: &rng))
    case 2:
        // Any finite bit pattern, including subnormals and huge magnitudes.
        while true {
            let f = Float(bitPattern: UInt32.random(in: 0 ... .max, using: &rng))
            if f.isFinite { return f }
        }
    default:
        let specials: [Float] = [0, -0.0, 1, -1, .leastNonzeroMagnitude, -.leastNormalMagnitude, 1e-30, -3.5e30,
                                 .greatestFiniteMagnitude, .ulpOfOne, 16_777_216, 0.1]
        return Int.random(in: 0..<3, using: &rng) == 0 ? specials.randomElement(using: &rng) ?? 0
            : Float.random(in: -1000...1000, using: &rng)
    }
}

/// Validity for `rows` rows: nil, all NULL, random, or whole blocks NULL / valid / mixed.
private func randomVectorValidity(rows: Int, rowsPerBlock: Int, _ rng: inout RNG) -> [Bool]? {
    switch Int.random(in: 0..<5, using: &rng) {
    case 0: return nil
    case 1: return [Bool](repeating: false, count: rows)
    case 2:
        let rate = Double.random(in: 0...1, using: &rng)
        return (0..<rows).map { _ in Double.random(in: 0...1, using: &rng) >= rate }
    default:
        var out: [Bool] = []
        while out.count < rows {
            let n = min(rowsPerBlock, rows - out.count)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: out += repeatElement(false, count: n)
            case 1: out += repeatElement(true, count: n)
            default: out += (0..<n).map { _ in Bool.random(using: &rng) }
            }
        }
        return out
    }
}

/// Zeros the NULL rows of row-major `floats`.
private func zeroNullRows(_ floats: inout [Float], dimension: Int, validity: [Bool]?) {
    guard let validity else { return }
    for (i, valid) in validity.enumerated() where !valid {
        for j in i * dimension..<(i + 1) * dimension { floats[j] = 0 }
    }
}

private let vectorSegmentCases = Generator<VectorSegmentCase, Shrink.None<VectorSegmentCase>> { rng in
    let dimension = Int.random(in: 0..<10, using: &rng) == 0 ? 1536
        : Int.random(in: 0..<4, using: &rng) == 0 ? [1, 2, 3, 15, 16, 17, 63, 64].randomElement(using: &rng) ?? 1
        : Int.random(in: 1...64, using: &rng)
    let rows: Int
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: rows = Int.random(in: 1...3, using: &rng)
    case 1: rows = Int.random(in: 0...8, using: &rng)
    default: rows = dimension == 1536 ? Int.random(in: 1...40, using: &rng) : Int.random(in: 1...500, using: &rng)
    }
    let rowsPerBlock = Int.random(in: 0..<4, using: &rng) == 0 ? 65_536
        : [1, 2, 7, 8, 9, 63, 64, 100, 257].randomElement(using: &rng) ?? 8
    let shape = Int.random(in: 0..<4, using: &rng)
    var floats = (0..<rows * dimension).map { _ in randomVectorElement(shape, &rng) }
    let validity = randomVectorValidity(rows: rows, rowsPerBlock: rowsPerBlock, &rng)
    zeroNullRows(&floats, dimension: dimension, validity: validity)
    var small = (0..<rows * 3).map { _ in randomVectorElement(0, &rng) }
    let smallValidity = randomVectorValidity(rows: rows, rowsPerBlock: rowsPerBlock, &rng)
    zeroNullRows(&small, dimension: 3, validity: smallValidity)
    let labels = (0..<rows).map { _ in String(repeating: "x", count: Int.random(in: 0...13, using: &rng)) }
    return VectorSegmentCase(dimension: dimension, rows: rows, rowsPerBlock: rowsPerBlock, floats: floats,
                             validity: validity, small: small, smallValidity: smallValidity, labels: labels,
                             modest: shape <= 1)
}

/// Rows `range` of a column as a reader returns them: validity dropped when nothing is NULL.
private func expectedVectorBlock(_ floats: [Float], dimension: Int, validity: [Bool]?, _ range: Range<Int>) -> ColumnVector {
    let part = Array(floats[range.lowerBound * dimension..<range.upperBound * dimension])
    let v = validity.map { Array($0[range]) }
    return ColumnVector(storage: .vectors(VectorArray(dimension: dimension, floats: part)),
                        validity: v?.contains(false) == true ? v : nil)
}

/// Bitwise equality of vector blocks (so -0.0 and 0.0 differ) plus equal validity.
private func sameVectorBits(_ a: ColumnVector, _ b: ColumnVector) -> Bool {
    guard a.validity == b.validity, case .vectors(let x) = a.storage, case .vectors(let y) = b.storage else { return false }
    return x.dimension == y.dimension && x.count == y.count && x.floats.map(\.bitPattern) == y.floats.map(\.bitPattern)
}

/// The L2 norm of each row computed in Double.
private func referenceNorms(_ floats: [Float], dimension: Int) -> [Double] {
    stride(from: 0, to: floats.count, by: dimension).map { start in
        floats[start..<start + dimension].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    }
}

private func loadFloats(_ bytes: [UInt8], at offset: Int, count: Int) -> [Float] {
    bytes.withUnsafeBytes { raw in
        (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + $0 * 4, as: UInt32.self))) }
    }
}

private func loadUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
}

/// The footer of a segment file, parsed from its bytes.
private func parseFooter(_ bytes: [UInt8]) throws -> SegmentFooter {
    let (footerOffset, footerLength) = bytes.withUnsafeBytes { raw in
        (Int(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: bytes.count - 24, as: UInt64.self))),
         Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: bytes.count - 16, as: UInt32.self))))
    }
    let footerBytes = Array(bytes[footerOffset..<footerOffset + footerLength])
    return try footerBytes.withBytes { (raw) throws(CairnError) in try SegmentFooter.parse(raw, origin: footerOffset) }
}

private func roundUp64(_ n: Int) -> Int { (n + 63) / 64 * 64 }

@Suite struct VectorBlockTests {
    // MARK: - Segment round trips

    @Test func vectorColumnsRoundTripThroughSegments() async throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        var caseNumber = 0
        await propertyCheck(count: 60, input: vectorSegmentCases) { c in
            caseNumber += 1
            let path = dir + "/v\(caseNumber).cseg"
            let summary = try SegmentWriter.write(to: path, columns: c.segmentColumns, rowsPerBlock: c.rowsPerBlock)
            let reader = try SegmentReader(path: path)
            #expect(reader.rowCount == c.rows)
            #expect(summary.rowCount == c.rows)
            #expect(reader.blockCount == c.blockRanges.count)
            #expect(reader.columnType(3) == .vector && reader.columnType(4) == .vector)
            #expect(reader.zoneMap(column: 3)?.nullCount == c.validity.map { $0.filter { !$0 }.count } ?? 0)

            let reference = referenceNorms(c.floats, dimension: c.dimension)
            for (b, range) in c.blockRanges.enumerated() {
                #expect(reader.blockRowCount(b) == range.count)
                let block = try reader.read(column: 3, block: b)
                let expected = expectedVectorBlock(c.floats, dimension: c.dimension, validity: c.validity, range)
                #expect(sameVectorBits(block, expected), "block \(b) of \(c)")
                #expect(block == expected)
                // Norms come back with the rows and are the norms of those rows (0 for NULL rows).
                guard case .vectors(let a) = block.storage else { Issue.record("not a vector block"); continue }
                let norms = try #require(a.norms, "block \(b) of \(c) has no stored norms")
                #expect(norms.map(\.bitPattern) == a.computeNorms().map(\.bitPattern))
                let nullNorms = range.enumerated().filter { c.validity?[$1] == false && norms[$0] != 0 }.map(\.element)
                #expect(nullNorms.isEmpty, "NULL rows with a non-zero norm: \(nullNorms)")
                if c.modest {
                    let off = range.enumerated().filter { i, row in
                        abs(Double(norms[i]) - reference[row]) > 1e-5 * max(reference[row], 1e-3)
                    }.map { "row \($1): stored \(norms[$0]), computed \(reference[$1])" }
                    #expect(off.isEmpty, "\(off.prefix(5))")
                }
                let small = try reader.read(column: 4, block: b)
                #expect(sameVectorBits(small, expectedVectorBlock(c.small, dimension: 3, validity: c.smallValidity, range)))
                #expect(try reader.read(column: 2, block: b).storage == .bytes(ByteArray(c.labels[range])))
            }
            // The whole column in one array: the rows, their NULLs and their stored norms, block by block.
            // (A segment without rows has no block to tell the dimension: its column is simply empty.)
            for (id, dimension, floats, validity) in [(UInt32(3), c.dimension, c.floats, c.validity), (UInt32(4), 3, c.small, c.smallValidity)] {
                let whole = try reader.readVectors(column: id)
                guard c.rows > 0 else {
                    #expect(whole.count == 0 && whole.validity == nil)
                    continue
                }
                #expect(sameVectorBits(whole, expectedVectorBlock(floats, dimension: dimension, validity: validity, 0..<c.rows)), "column \(id) of \(c)")
                var blockNorms: [Float] = []
                for b in 0..<reader.blockCount {
                    if case .vectors(let a) = try reader.read(column: id, block: b).storage { blockNorms += a.norms ?? [] }
                }
                guard case .vectors(let a) = whole.storage else { Issue.record("not vectors"); continue }
                #expect(a.norms.map { $0.map(\.bitPattern) } == blockNorms.map(\.bitPattern))
            }
            removeDirectory(path)
        }
    }

    /// The file layout of §3.3, checked against the raw bytes: every vector block starts on a 64-byte
    /// boundary of the file, its header describes it, its norms section holds the rows' norms and its
    /// vectors section holds the rows themselves.
    @Test func vectorBlocksAreAlignedAndLaidOutAsDocumented() async throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        var caseNumber = 0
        await propertyCheck(count: 40, input: vectorSegmentCases) { c in
            caseNumber += 1
            let path = dir + "/a\(caseNumber).cseg"
            _ = try SegmentWriter.write(to: path, columns: c.segmentColumns, rowsPerBlock: c.rowsPerBlock)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let footer = try parseFooter(bytes)
            #expect(footer.blockRowCounts == c.blockRanges.map(\.count))
            let reference = referenceNorms(c.floats, dimension: c.dimension)
            for (columnID, dimension, floats, validity) in [(UInt32(3), c.dimension, c.floats, c.validity),
                                                            (UInt32(4), 3, c.small, c.smallValidity)] {
                let column = try #require(footer.columns.first { $0.id == columnID })
                #expect(column.type == .vector)
                for (b, range) in c.blockRanges.enumerated() {
                    let block = column.blocks[b]
                    #expect(block.offset % 64 == 0, "column \(columnID) block \(b) starts at \(block.offset) (\(c))")
                    #expect(block.encoding == 0x40)
                    let o = block.offset
                    #expect(bytes[o] == PhysicalType.vector.rawValue)
                    let blockHasNulls = validity.map { $0[range].contains(false) } ?? false
                    let flags = bytes[o + 1]
                    #expect(flags & 2 == 2, "norms flag")
                    #expect(flags & ~3 == 0)
                    if blockHasNulls { #expect(flags & 1 == 1, "validity flag") }
                    #expect(bytes[o + 2] == 0 && bytes[o + 3] == 0)
                    #expect(loadUInt32(bytes, at: o + 4) == UInt32(range.count))
                    #expect(loadUInt32(bytes, at: o + 8) == UInt32(dimension))
                    #expect(loadUInt32(bytes, at: o + 12) == 0)
                    let bitmapBytes = flags & 1 == 1 ? (range.count + 7) / 8 : 0
                    if flags & 1 == 1 {
                        let bits = (0..<range.count).map { i in bytes[o + 16 + i / 8] >> UInt8(i % 8) & 1 == 1 }
                        #expect(bits == range.map { validity?[$0] ?? true })
                    }
                    let normsStart = roundUp64(16 + bitmapBytes)
                    let vectorsStart = roundUp64(normsStart + range.count * 4)
                    #expect(block.storedLength == vectorsStart + range.count * dimension * 4)
                    // Padding is zeros.
                    #expect(bytes[(o + 16 + bitmapBytes)..<(o + normsStart)].allSatisfy { $0 == 0 })
                    #expect(bytes[(o + normsStart + range.count * 4)..<(o + vectorsStart)].allSatisfy { $0 == 0 })
                    // Every section is 64-byte aligned in the file too.
                    #expect((o + normsStart) % 64 == 0 && (o + vectorsStart) % 64 == 0)
                    let storedNorms = loadFloats(bytes, at: o + normsStart, count: range.count)
                    let storedFloats = loadFloats(bytes, at: o + vectorsStart, count: range.count * dimension)
                    #expect(storedFloats.map(\.bitPattern)
                            == floats[range.lowerBound * dimension..<range.upperBound * dimension].map(\.bitPattern))
                    let rows = VectorArray(dimension: dimension, floats: storedFloats)
                    #expect(storedNorms.map(\.bitPattern) == rows.computeNorms().map(\.bitPattern))
                    if columnID == 3, c.modest {
                        let off = range.enumerated().filter { i, row in
                            abs(Double(storedNorms[i]) - reference[row]) > 1e-5 * max(reference[row], 1e-3)
                        }
                        #expect(off.isEmpty, "rows whose stored norm is off: \(off.prefix(5).map(\.element))")
                    }
                    #expect(block.crc == CRC32C.checksum(Array(bytes[o..<o + block.storedLength])))
                }
            }
            removeDirectory(path)
        }
    }

    /// Norms carried by the input (rows that came from another segment) are written as they are, and the
    /// reader hands them back; rows without norms get computed ones.
    @Test func carriedNormsSurviveAndMixedSourcesGetNorms() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        let d = 5
        let floats = (0..<40 * d).map { Float($0 % 11) - 4.5 }
        let withNorms = VectorArray(dimension: d, floats: floats).withNorms()
        #expect(withNorms.norms != nil)
        _ = try SegmentWriter.write(to: dir + "/n", columns: [
            SegmentColumn(id: 9, type: .vector, data: ColumnVector(storage: .vectors(withNorms))),
        ], rowsPerBlock: 16)
        let reader = try SegmentReader(path: dir + "/n")
        var all = VectorArray(dimension: d)
        for b in 0..<reader.blockCount {
            guard case .vectors(let a) = try reader.read(column: 9, block: b).storage else { Issue.record("not vectors"); return }
            all.append(a, range: 0..<a.count)
        }
        #expect(all == withNorms)
        #expect(all.norms == withNorms.norms)
        for (i, n) in (all.norms ?? []).enumerated() {
            let row = floats[i * d..<(i + 1) * d].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(Double(n) - row) <= 1e-6 * row)
        }
    }

    /// A column that holds only NULLs of a dimension nobody knows yet (`ColumnVector.nulls(.vector, …)`,
    /// which is what a table gets when every vector inserted so far was NULL) must either be refused by
    /// the writer or read back as NULLs: the writer must never produce a file its reader calls corrupt.
    @Test func allNullColumnOfUnknownDimension() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        let path = dir + "/nulls.cseg"
        let nulls = ColumnVector.nulls(.vector, count: 10)
        do {
            _ = try SegmentWriter.write(to: path, columns: [
                SegmentColumn(id: 1, type: .bigint, data: ColumnVector(storage: .int64(Array(0..<10)))),
                SegmentColumn(id: 2, type: .vector, data: nulls),
            ], rowsPerBlock: 4)
        } catch {
            #expect(error.code == .invalidInput, "refused with \(error)")
            return
        }
        let reader = try SegmentReader(path: path)
        for b in 0..<reader.blockCount {
            let block = try reader.read(column: 2, block: b)
            #expect(block.count == reader.blockRowCount(b))
            #expect(block.nullCount == block.count)
        }
    }

    @Test func emptyVectorColumn() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        _ = try SegmentWriter.write(to: dir + "/e", columns: [
            SegmentColumn(id: 1, type: .vector, data: ColumnVector(storage: .vectors(VectorArray(dimension: 8)))),
        ])
        let reader = try SegmentReader(path: dir + "/e")
        #expect(reader.rowCount == 0 && reader.blockCount == 0)
        #expect(reader.columnType(1) == .vector)
    }

    // MARK: - Corruption

    /// Writes a segment with three vector blocks after a non-vector column and returns its parts.
    func makeVectorSegment() throws -> (dir: String, path: String, bytes: [UInt8], footer: SegmentFooter) {
        let dir = try makeTemporaryDirectory()
        let path = dir + "/seg.cseg"
        let rows = 300, d = 20
        let floats = (0..<rows * d).map { Float(sin(Double($0))) }
        let validity = (0..<rows).map { $0 % 13 != 0 }
        var data = floats
        zeroNullRows(&data, dimension: d, validity: validity)
        _ = try SegmentWriter.write(to: path, columns: [
            SegmentColumn(id: 1, type: .bigint, data: ColumnVector(storage: .int64((0..<rows).map { Int64($0) }))),
            SegmentColumn(id: 7, type: .vector, data: ColumnVector(storage: .vectors(VectorArray(dimension: d, floats: data)),
                                                                   validity: validity)),
        ], rowsPerBlock: 128)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return (dir, path, bytes, try parseFooter(bytes))
    }

    @Test func flippedByteInAVectorBlockIsCorruptAndNamesTheFile() throws {
        let (dir, path, bytes, footer) = try makeVectorSegment()
        defer { removeDirectory(dir) }
        let column = try #require(footer.columns.first { $0.id == 7 })
        #expect(column.blocks.count == 3)
        for (b, block) in column.blocks.enumerated() {
            let o = block.offset, n = block.storedLength
            // Header fields (type, flags, row count, dimension), bitmap, padding, norms, vectors, last byte.
            for position in [0, 1, 4, 8, 12, 16, 40, 64, 65, 64 + 4 * 100, n / 2, n - 1] where position < n {
                var damaged = bytes
                damaged[o + position] ^= 0x10
                try Data(damaged).write(to: URL(fileURLWithPath: path))
                let reader = try SegmentReader(path: path)
                let error = try #require(throws: CairnError.self, "byte \(position) of block \(b)") {
                    try reader.read(column: 7, block: b)
                }
                #expect(error.code == .corrupt)
                #expect(error.file == path)
                #expect(error.offset != nil)
                #expect(error.message.contains("column 7"), "\(error)")
                #expect(error.description.contains(path))
                // The other blocks and the other column still read.
                for other in 0..<column.blocks.count where other != b {
                    #expect(try reader.read(column: 7, block: other).count == footer.blockRowCounts[other])
                }
                #expect(try reader.read(column: 1, block: b).count == footer.blockRowCounts[b])
            }
        }
    }

    /// Damage that gets past the checksum (a block rewritten with a matching CRC, or a decoder bug
    /// elsewhere) must still be caught by the vector block decoder: an error or a block of the right
    /// size, never a crash.
    @Test func vectorDecoderSurvivesDamagedInput() async {
        let input = Generator<(ColumnVector, [Int]), Shrink.None<(ColumnVector, [Int])>> { rng in
            let d = Int.random(in: 0..<10, using: &rng) == 0 ? 1536 : Int.random(in: 1...64, using: &rng)
            let rows = Int.random(in: 1...(d == 1536 ? 3 : 100), using: &rng)
            let shape = Int.random(in: 0..<4, using: &rng)
            var floats = (0..<rows * d).map { _ in randomVectorElement(shape, &rng) }
            let validity = randomVectorValidity(rows: rows, rowsPerBlock: 64, &rng)
            zeroNullRows(&floats, dimension: d, validity: validity)
            let v = ColumnVector(storage: .vectors(VectorArray(dimension: d, floats: floats)), validity: validity)
            return (v, (0..<4).map { _ in Int.random(in: 0..<Int.max, using: &rng) })
        }
        await propertyCheck(count: 500, input: input) { v, noise in
            let rows = v.count
            var bytes = VectorBlock.encode(v)
            switch noise[0] % 4 {
            case 0: bytes[noise[1] % bytes.count] ^= UInt8(truncatingIfNeeded: noise[2] | 1)
            case 1: bytes.removeLast(1 + noise[1] % bytes.count)
            case 2:
                // Damage the 16-byte header, where the structure is.
                bytes[noise[1] % 16] = UInt8(truncatingIfNeeded: noise[2])
                bytes[noise[3] % 16] = UInt8(truncatingIfNeeded: noise[2] >> 8)
            default: bytes += (0..<(1 + noise[1] % 70)).map { UInt8(truncatingIfNeeded: noise[2] >> ($0 % 56)) }
            }
            do throws(CairnError) {
                let decoded = try VectorBlock.decode(bytes, rows: rows)
                #expect(decoded.count == rows)
                guard case .vectors(let a) = decoded.storage else { Issue.record("not vectors"); return }
                #expect(a.floats.count == a.count * a.dimension)
                #expect(a.norms.map { $0.count == a.count } ?? true)
                #expect(decoded.validity.map { $0.count == rows } ?? true)
            } catch {
                #expect(error.code == .corrupt)
            }
        }
    }

    @Test func decoderRejectsAWrongRowCountAndBadHeaders() throws {
        let floats: [Float] = [1, 2, 3, 4, 5, 6]
        let v = ColumnVector(storage: .vectors(VectorArray(dimension: 3, floats: floats)))
        let bytes = VectorBlock.encode(v)
        #expect(try VectorBlock.decode(bytes, rows: 2) == v)
        let patches: [(Int, (inout [UInt8]) -> Void)] = [
            (3, { _ in }),                                    // footer disagrees about the row count
            (2, { $0[0] = PhysicalType.int64.rawValue }),     // not a vector block
            (2, { $0[1] |= 4 }),                              // unknown flag
            (2, { $0[2] = 1 }),                               // reserved field not zero
            (2, { $0[8] = 0; $0[9] = 0 }),                    // dimension 0
            (2, { $0[8] = 0x81; $0[9] = 0x3E }),              // dimension 16,001
            (2, { $0[8] = 2 }),                               // dimension that does not match the size
            (2, { $0[1] &= ~2 }),                             // norms flag cleared
            (2, { $0.append(0) }),                            // trailing byte
        ]
        for (rows, patch) in patches {
            var damaged = bytes
            patch(&damaged)
            let e = try #require(throws: CairnError.self) { try VectorBlock.decode(damaged, rows: rows) }
            #expect(e.code == .corrupt)
            #expect(e.message.contains("vector block"), "\(e)")
        }
    }

    // MARK: - pgvector text

    @Test func textFormatThenParseGivesTheSameFloats() async {
        let vectors = Generator<[Float], Shrink.None<[Float]>> { rng in
            let n = Int.random(in: 0..<8, using: &rng) == 0 ? Int.random(in: 500...1536, using: &rng) : Int.random(in: 1...40, using: &rng)
            let shape = Int.random(in: 0..<4, using: &rng)
            return (0..<n).map { _ in randomVectorElement(shape, &rng) }
        }
        await propertyCheck(count: 400, input: vectors) { v in
            let text = VectorText.format(v)
            #expect(text.first == "[" && text.last == "]")
            #expect(!text.contains(" "))
            #expect(text.split(separator: ",").count == v.count)
            let parsed = try VectorText.parse(text).get()
            #expect(parsed.count == v.count)
            // Identical values: bit for bit, except that the sign of zero is not kept.
            #expect(parsed == v, "\(text)")
            #expect(parsed.map { $0 == 0 ? 0 : $0.bitPattern } == v.map { $0 == 0 ? 0 : $0.bitPattern }, "\(text)")
        }
    }

    @Test func textFormatPrintsLikePgvector() {
        #expect(VectorText.format([1, 2.5, -3]) == "[1,2.5,-3]")
        #expect(VectorText.format([0.1, 1e-7, 100]) == "[0.1,1e-07,100]")
        #expect(VectorText.format([16_777_216]) == "[16777216]")
        #expect(VectorText.format([Float](repeating: 0, count: 3)) == "[0,0,0]")
    }

    @Test func textParseAcceptsWhitespaceAndExponents() throws {
        #expect(try VectorText.parse("[1,2.5,-3e-2]").get() == [1, 2.5, -0.03])
        #expect(try VectorText.parse(" [ 1 ,\t2 ,\n3 ] ").get() == [1, 2, 3])
        #expect(try VectorText.parse("[1E3]").get() == [1000])
        #expect(try VectorText.parse("[-0.0]").get() == [0])
        let max = "[" + Array(repeating: "1", count: VectorText.maxDimension).joined(separator: ",") + "]"
        #expect(try VectorText.parse(max).get().count == VectorText.maxDimension)
    }

    @Test(arguments: [
        "", "   ", "[]", "[ ]", "[1,,2]", "[,1]", "[1,]", "[1,2", "[1,2,", "[", "1,2]", "1,2", "(1,2)", "{1,2}",
        "[1,2]x", "[1,2] 3", "[1,2]]", "[1,2],", "[[1,2]]", "[1;2]", "[1 2]", "[1 22]", "[1 -2]", "[1\t23]",
        "[a]", "[1,x]", "[\"1\"]", "[0x]", "[1e]", "[--1]", "[1,2]\u{0}",
    ])
    func textParseRejectsMalformedInput(_ text: String) {
        guard case .failure(let e) = VectorText.parse(text) else {
            Issue.record("\"\(text)\" parsed as \(String(describing: try? VectorText.parse(text).get()))")
            return
        }
        guard case .malformed(let message) = e else {
            Issue.record("\"\(text)\" failed with \(e), expected a malformed-input error")
            return
        }
        #expect(!message.isEmpty)
    }

    @Test(arguments: ["[nan]", "[NaN]", "[1,nan]", "[inf]", "[-inf]", "[1,2,infinity]", "[1e39]", "[-1e39,1]"])
    func textParseRejectsNonFiniteElements(_ text: String) {
        guard case .failure(let e) = VectorText.parse(text) else {
            Issue.record("\"\(text)\" parsed")
            return
        }
        #expect(e.message.contains("NaN or infinity") || e.message.contains("range"), "\(text): \(e.message)")
        if text.contains("nan") || text.contains("NaN") || text.contains("inf") {
            #expect(e == .notFinite(text.split(separator: ",").count - 1), "\(text)")
        }
    }

    @Test func textParseRejectsTooManyDimensions() {
        let tooMany = "[" + Array(repeating: "0", count: VectorText.maxDimension + 1).joined(separator: ",") + "]"
        guard case .failure(.malformed(let m)) = VectorText.parse(tooMany) else {
            Issue.record("a vector of \(VectorText.maxDimension + 1) dimensions parsed")
            return
        }
        #expect(m.contains("16000"))
    }
}

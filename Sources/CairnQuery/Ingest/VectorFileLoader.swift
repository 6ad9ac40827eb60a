import CairnFormat
import CairnTables
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `COPY t (id, embedding) FROM 'base.npy' (FORMAT npy)` and
/// `COPY t (id, embedding) FROM 'base.f32' (FORMAT f32, DIMENSION 1536)`: bulk loads a matrix of
/// vectors, one row per vector. The column list names one VECTOR column and at most one integer
/// column, which receives the row number (from `FIRST_ID`, default 0, like faiss ids); the table's
/// other columns are NULL. `.npy` files must be C-ordered 2-D arrays of little-endian float16,
/// float32 or float64; raw files are little-endian float32, row after row.
struct VectorFileLoader {
    enum Layout: Sendable {
        case npy
        case float32(dimension: Int)
    }

    let engine: Engine
    let isCancelled: @Sendable () -> Bool
    let progress: (@Sendable (Double) -> Void)?

    func load(path: String, schema: TableSchema, targets: [Int], layout: Layout, firstID: Int64) throws(CairnError) -> Int {
        var vectorColumn: Int?
        var idColumn: Int?
        for t in targets {
            let c = schema.columns[t]
            if c.type == .vector, vectorColumn == nil { vectorColumn = t; continue }
            if c.type.isInteger, idColumn == nil { idColumn = t; continue }
            throw CairnError(.invalidInput, "COPY from a vector file fills one VECTOR column and at most one integer id column; "
                             + "\"\(c.name)\" is \(c.typeName)")
        }
        guard let vectorColumn, let dimension = schema.columns[vectorColumn].dimension else {
            throw CairnError(.invalidInput, "COPY from a vector file needs a VECTOR column in its column list, "
                             + "e.g. COPY \(schema.name) (id, embedding) FROM '…' (FORMAT npy)")
        }
        for (i, c) in schema.columns.enumerated() where c.notNull && i != vectorColumn && i != idColumn {
            throw CairnError(.constraint, "column \"\(c.name)\" is NOT NULL but a vector file cannot fill it")
        }

        let fd = try FileIO.openForReading(path)
        defer { _ = close(fd) }
        let size = try FileIO.fileSize(fd, path: path)
        let (header, elementSize, rows, fileDimension) = try Self.shape(fd: fd, path: path, size: size, layout: layout)
        guard fileDimension == dimension else {
            throw CairnError(.type, "\(path) holds vectors of \(fileDimension) dimensions; column \"\(schema.columns[vectorColumn].name)\" "
                             + "is VECTOR(\(dimension))", file: path)
        }
        let bulk = try engine.beginBulkLoad(table: schema.name)
        let sink = BatchSink(bulk: bulk)
        let batchRows = max(1, min(CopyLoader.batchRows, (64 << 20) / (dimension * 4)))
        do throws(CairnError) {
            var start = 0
            while start < rows {
                if isCancelled() { throw CairnError(.cancelled, "COPY cancelled") }
                let n = min(batchRows, rows - start)
                let offset = header + start * dimension * elementSize
                let bytes = try FileIO.read(fd, path: path, offset: offset, count: n * dimension * elementSize)
                let floats = Self.decode(bytes, elementSize: elementSize)
                if let bad = floats.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) {
                    throw CairnError(.invalidInput, "row \(start + bad / dimension): NaN or infinity in a vector", file: path,
                                     offset: offset + (bad % (n * dimension)) * elementSize)
                }
                var columns = schema.columns.map { ColumnVector.nulls($0.type.physical, count: n) }
                columns[vectorColumn] = ColumnVector(storage: .vectors(VectorArray(dimension: dimension, floats: floats)))
                if let idColumn {
                    columns[idColumn] = ColumnVector(storage: .int64((0..<n).map { firstID + Int64(start + $0) }))
                }
                try sink.add(columns)
                start += n
                progress?(Double(start) / Double(rows))
            }
            try sink.finish()
            try bulk.commit()
        } catch {
            _ = try? sink.finish()
            bulk.abort()
            throw error
        }
        return rows
    }

    /// Header length, element size, rows and dimension of the file.
    private static func shape(fd: Int32, path: String, size: Int, layout: Layout) throws(CairnError) -> (Int, Int, Int, Int) {
        switch layout {
        case .float32(let dimension):
            guard dimension > 0, size % (dimension * 4) == 0 else {
                throw CairnError(.invalidInput, "\(path): \(size) bytes is not a whole number of \(dimension)-dimensional float32 vectors", file: path)
            }
            return (0, 4, size / (dimension * 4), dimension)
        case .npy:
            let prefix = try FileIO.read(fd, path: path, offset: 0, count: min(size, 10))
            guard prefix.count == 10, prefix[0] == 0x93, Array(prefix[1..<6]) == Array("NUMPY".utf8) else {
                throw CairnError(.invalidInput, "\(path) is not a .npy file", file: path, offset: 0)
            }
            let major = prefix[6]
            let lengthBytes = major == 1 ? 2 : 4
            let lengthPrefix = try FileIO.read(fd, path: path, offset: 8, count: lengthBytes)
            let headerLength = lengthPrefix.reversed().reduce(0) { $0 << 8 | Int($1) }
            let headerStart = 8 + lengthBytes
            guard headerStart + headerLength <= size else { throw CairnError.corrupt(path, offset: 8, ".npy header is truncated") }
            let text = String(decoding: try FileIO.read(fd, path: path, offset: headerStart, count: headerLength), as: UTF8.self)
            guard let descr = field("descr", in: text), let shape = field("shape", in: text) else {
                throw CairnError(.invalidInput, "\(path): .npy header lacks descr or shape", file: path, offset: headerStart)
            }
            guard field("fortran_order", in: text) != "True" else {
                throw CairnError(.unsupported, "\(path): Fortran-ordered arrays are not supported; save with np.ascontiguousarray", file: path)
            }
            let elementSize: Int
            switch descr.trimmingCharacters(in: ["'", "\"", " "]) {
            case "<f2": elementSize = 2
            case "<f4": elementSize = 4
            case "<f8": elementSize = 8
            default: throw CairnError(.unsupported, "\(path): dtype \(descr) is not supported (use float16, float32 or float64)", file: path)
            }
            let dims = shape.trimmingCharacters(in: ["(", ")", " "]).split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard dims.count == 2, dims[0] >= 0, dims[1] > 0 else {
                throw CairnError(.invalidInput, "\(path): expected a 2-D array, shape is \(shape)", file: path)
            }
            let data = headerStart + headerLength
            guard size - data >= dims[0] * dims[1] * elementSize else {
                throw CairnError.corrupt(path, offset: data, "file is shorter than its \(dims[0]) × \(dims[1]) shape")
            }
            return (data, elementSize, dims[0], dims[1])
        }
    }

    /// The value text of `'key': value` in a .npy header dictionary.
    private static func field(_ key: String, in header: String) -> String? {
        guard let k = header.range(of: "'\(key)'"), let colon = header[k.upperBound...].firstIndex(of: ":") else { return nil }
        var rest = header[header.index(after: colon)...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        if let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<end] }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    private static func decode(_ bytes: [UInt8], elementSize: Int) -> AlignedFloats {
        bytes.withUnsafeBytes { raw in
            let n = raw.count / elementSize
            if elementSize == 4 { return AlignedFloats(copyingBytes: raw, count: n) }
            return AlignedFloats(unsafeUninitializedCount: n) { out in
                if elementSize == 2 {
                    for i in 0..<n { out[i] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
                } else {
                    for i in 0..<n { out[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
                }
            }
        }
    }
}

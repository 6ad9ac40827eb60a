import CairnFormat
import CairnVector

extension Evaluator {
    /// Evaluates a vector function row by row with pgvector's exact arithmetic. A constant operand
    /// (the usual query vector) is used as is rather than repeated for every row.
    func vectorFunction(_ f: ScalarFunction, _ args: [BoundExpr], _ batch: Batch) throws(CairnError) -> ColumnVector {
        let n = batch.count
        switch f {
        case .vectorDims, .l2Norm:
            let v = try evaluate(args[0], batch)
            guard case .vectors(let a) = v.storage else { return .nulls(.int64, count: n) }
            if f == .vectorDims {
                return ColumnVector(storage: .int64([Int64](repeating: Int64(a.dimension), count: n)), validity: v.validity)
            }
            let norms = a.norms ?? a.computeNorms()
            return ColumnVector(storage: .float64(norms.map { Double($0) }), validity: v.validity)
        case .vectorDistance(let d):
            if case .constant(let q, _) = args[1] { return try distances(d, try evaluate(args[0], batch), to: q, n) }
            if case .constant(let q, _) = args[0] { return try distances(d, try evaluate(args[1], batch), to: q, n) }
            return try pairwise(d, try evaluate(args[0], batch), try evaluate(args[1], batch), n)
        default:
            throw CairnError(.unsupported, "\(f) is not a vector function")
        }
    }

    private func distances(_ d: VectorDistance, _ v: ColumnVector, to q: Value, _ n: Int) throws(CairnError) -> ColumnVector {
        guard case .vector(let query) = q, case .vectors(let a) = v.storage else { return .nulls(.float64, count: n) }
        var out = [Double](repeating: 0, count: n)
        try query.withUnsafeBufferPointer { (qb) throws(CairnError) in
            try a.floats.withUnsafeBufferPointer { (fb) throws(CairnError) in
                guard let qp = qb.baseAddress else { return }
                for i in 0..<n where !v.isNull(i) {
                    guard a.dimension == query.count, let fp = fb.baseAddress else {
                        throw CairnError(.type, "different vector dimensions \(a.dimension) and \(query.count)")
                    }
                    out[i] = Self.distance(d, fp + i * a.dimension, qp, query.count)
                }
            }
        }
        return ColumnVector(storage: .float64(out), validity: v.validity)
    }

    private func pairwise(_ d: VectorDistance, _ x: ColumnVector, _ y: ColumnVector, _ n: Int) throws(CairnError) -> ColumnVector {
        guard case .vectors(let a) = x.storage, case .vectors(let b) = y.storage else { return .nulls(.float64, count: n) }
        let validity = andValidity(x.validity, y.validity)
        var out = [Double](repeating: 0, count: n)
        try a.floats.withUnsafeBufferPointer { (ab) throws(CairnError) in
            try b.floats.withUnsafeBufferPointer { (bb) throws(CairnError) in
                for i in 0..<n where validity?[i] ?? true {
                    guard a.dimension == b.dimension, let ap = ab.baseAddress, let bp = bb.baseAddress else {
                        throw CairnError(.type, "different vector dimensions \(a.dimension) and \(b.dimension)")
                    }
                    out[i] = Self.distance(d, ap + i * a.dimension, bp + i * b.dimension, a.dimension)
                }
            }
        }
        return ColumnVector(storage: .float64(out), validity: validity)
    }

    @inline(__always)
    static func distance(_ d: VectorDistance, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        switch d {
        case .l2: VectorKernels.l2Distance(a, b, n)
        case .innerProduct: Double(VectorKernels.dot(a, b, n))
        case .negativeInnerProduct: -Double(VectorKernels.dot(a, b, n))
        case .cosine: VectorKernels.cosineDistance(a, b, n)
        }
    }
}

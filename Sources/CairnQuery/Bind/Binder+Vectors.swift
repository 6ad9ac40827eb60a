import CairnFormat
import CairnSQL
import CairnVector

/// pgvector's distance functions and operators.
package enum VectorDistance: Hashable, Sendable {
    case l2, negativeInnerProduct, innerProduct, cosine

    /// The index metric whose ascending order this distance's ascending order is (nil for
    /// `inner_product`, whose nearest rows come first only in descending order).
    package var ascendingMetric: VectorMetric? {
        switch self {
        case .l2: .l2
        case .negativeInnerProduct: .innerProduct
        case .cosine: .cosine
        case .innerProduct: nil
        }
    }
}

extension Binder {
    /// Binds `a <op> b` or a distance function: both operands become VECTOR (a string constant is
    /// parsed as pgvector text) and the result is DOUBLE.
    mutating func bindVectorDistance(_ d: VectorDistance, _ args: [Expr], _ name: String, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        guard args.count == 2 else { throw error("\(name) takes 2 arguments, got \(args.count)", p) }
        var bound: [BoundExpr] = []
        for a in args { bound.append(try vectorOperand(try bind(a), name, a.position)) }
        return .function(.vectorDistance(d), bound, .double)
    }

    mutating func bindVectorFunction(_ name: String, _ args: [Expr], _ p: SQLPosition) throws(CairnError) -> BoundExpr? {
        switch name {
        case "l2_distance": return try bindVectorDistance(.l2, args, name, p)
        case "inner_product": return try bindVectorDistance(.innerProduct, args, name, p)
        case "negative_inner_product": return try bindVectorDistance(.negativeInnerProduct, args, name, p)
        case "cosine_distance": return try bindVectorDistance(.cosine, args, name, p)
        case "vector_dims", "l2_norm", "vector_norm":
            guard args.count == 1 else { throw error("\(name) takes 1 argument, got \(args.count)", p) }
            let v = try vectorOperand(try bind(args[0]), name, args[0].position)
            return name == "vector_dims" ? .function(.vectorDims, [v], .integer) : .function(.l2Norm, [v], .double)
        default: return nil
        }
    }

    /// `[1, 2.5, 3]` written as an array literal: a constant vector.
    mutating func bindArrayLiteral(_ elements: [Expr], _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        guard !elements.isEmpty else { throw error("a vector must have at least 1 dimension", p) }
        var floats: [Float] = []
        floats.reserveCapacity(elements.count)
        for e in elements {
            guard case .constant(let v, _) = try bind(e), let d = v.doubleValue else {
                throw error("vector elements must be numeric constants", e.position)
            }
            let f = Float(d)
            guard f.isFinite else { throw CairnError(.type, "NaN or infinity is not allowed in a vector", location: loc(e.position)) }
            floats.append(f)
        }
        guard floats.count <= VectorText.maxDimension else {
            throw error("a vector cannot have more than \(VectorText.maxDimension) dimensions", p)
        }
        return .constant(.vector(floats), .vector)
    }

    /// Checks a `VECTOR(n)` cast of a constant against `n`.
    func checkVectorCast(_ v: Value, _ tn: TypeName) throws(CairnError) {
        guard case .vector(let f) = v, let n = tn.parameters.first else { return }
        do { try Casts.checkDimension(f, n) } catch { throw CairnError(.type, error.message, location: loc(tn.position)) }
    }

    private func vectorOperand(_ b: BoundExpr, _ name: String, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if b.type == .vector { return b }
        if b.isStringConstant || b.isNullConstant { return try coerce(b, to: .vector, p) }
        throw error("\(name) needs VECTOR operands, got \(b.type)", p)
    }
}

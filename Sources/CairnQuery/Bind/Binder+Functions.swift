import CairnFormat
import CairnSQL

extension Binder {
    /// Binds a function call: aggregates (collected when aggregating), then scalar functions.
    mutating func bindFunction(name: String, args: [Expr], distinct: Bool, star: Bool, within: OrderItem?,
                               filter: Expr?, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if let kind = Self.aggregateKind(name) {
            return try bindAggregate(kind, name: name, args: args, distinct: distinct, star: star, within: within,
                                     filter: filter, p)
        }
        if distinct || star || within != nil || filter != nil { throw error("\(name) is not an aggregate function", p) }
        if let v = try bindVectorFunction(name, args, p) { return v }
        if ["list_extract", "list_element", "array_extract"].contains(name) { return try bindSplitElement(args, p) }
        var bound: [BoundExpr] = []
        for a in args { bound.append(try bind(a)) }
        return try bindScalar(name, bound, args, p)
    }

    static func aggregateKind(_ name: String) -> AggregateKind? {
        switch name {
        case "count": .count
        case "sum": .sum
        case "avg", "mean": .avg
        case "min": .min
        case "max": .max
        case "quantile_cont", "percentile_cont", "median", "approx_quantile": .quantileCont
        case "quantile_disc", "quantile", "percentile_disc": .quantileDisc
        case "approx_count_distinct": .approxCountDistinct
        case "bool_and", "every": .boolAnd
        case "bool_or", "any": .boolOr
        case "bit_and": .bitAnd
        case "bit_or": .bitOr
        case "bit_xor": .bitXor
        case "string_agg", "group_concat", "listagg": .stringAgg
        case "first", "arbitrary": .first
        case "any_value": .anyValue
        case "last": .last
        case "count_if", "countif": .sum   // of 1 for true, 0 for false (NULL when no row is either), as DuckDB
        case "fsum", "sumkahan", "kahan_sum": .sum
        case "favg": .avg
        case "product": .product
        case "entropy": .entropy
        case "skewness": .skewness
        case "kurtosis": .kurtosis
        case "kurtosis_pop": .kurtosisPop
        case "covar_pop": .covarPop
        case "covar_samp": .covarSamp
        case "corr": .corr
        case "regr_slope": .regrSlope
        case "regr_intercept": .regrIntercept
        case "regr_r2": .regrR2
        case "regr_count": .regrCount
        case "regr_avgx": .regrAvgX
        case "regr_avgy": .regrAvgY
        case "regr_sxx": .regrSXX
        case "regr_syy": .regrSYY
        case "regr_sxy": .regrSXY
        case "stddev", "stddev_samp": .stddevSamp
        case "variance", "var_samp": .varSamp
        case "stddev_pop": .stddevPop
        case "var_pop": .varPop
        case "arg_max", "argmax", "max_by": .argMax
        case "arg_min", "argmin", "min_by": .argMin
        case "mode": .mode
        default: nil
        }
    }

    private mutating func bindAggregate(_ kind0: AggregateKind, name: String, args: [Expr], distinct: Bool, star: Bool,
                                        within: OrderItem?, filter: Expr?, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        guard var collected = aggregates else {
            throw error("aggregate function \(name) is not allowed here", p)
        }
        // Aggregate arguments are bound without the aggregate context: nesting is an error.
        var inner = Binder(scope: scope, context: context)
        var kind = kind0
        var argument: BoundExpr?
        var by: BoundExpr?
        var parameter = Value.null
        var descending = false, nullsFirst: Bool?
        if star {
            guard kind == .count else { throw error("\(name)(*) is not supported", p) }
            kind = .countStar
        } else if let within, kind == .stringAgg {
            guard (1...2).contains(args.count) else { throw error("\(name) takes a value and an optional separator", p) }
            argument = try inner.bind(args[0])
            parameter = .string(",")
            if args.count == 2 {
                guard case .constant(.string(let sep), _) = try inner.bind(args[1]) else {
                    throw error("string_agg separator must be a constant string", args[1].position)
                }
                parameter = .string(sep)
            }
            by = try inner.bind(within.expr)
            if distinct, by != argument {
                throw error("in string_agg(DISTINCT …), ORDER BY must be the aggregated value", within.expr.position)
            }
            descending = within.descending
            nullsFirst = within.nullsFirst
        } else if let within, kind.isOrderSensitive {
            guard args.count == 1 else { throw error("\(name) takes exactly one argument", p) }
            guard !distinct else { throw error("\(name)(DISTINCT … ORDER BY …) is not supported", p) }
            argument = try inner.bind(args[0])
            by = try inner.bind(within.expr)
            descending = within.descending
            nullsFirst = within.nullsFirst
        } else if let within, kind == .quantileCont || kind == .quantileDisc, args.count == 1, name != "median" {
            guard name != "approx_quantile" else { throw error("approx_quantile takes (value, fraction), not WITHIN GROUP", p) }
            guard args.count == 1 else { throw error("\(name)(fraction) WITHIN GROUP (ORDER BY value) takes one argument", p) }
            argument = try inner.bind(within.expr)
            parameter = try quantileFraction(try inner.bind(args[0]), args[0].position, descending: within.descending)
        } else {
            // An ORDER BY in the call of an aggregate whose result does not depend on order changes nothing.
            switch (kind, args.count) {
            case (.count, 0): kind = .countStar
            case (_, 1) where name == "median":
                argument = try inner.bind(args[0]); parameter = .double(0.5)
            case (.quantileCont, 2), (.quantileDisc, 2):
                argument = try inner.bind(args[0])
                parameter = try quantileFraction(try inner.bind(args[1]), args[1].position, descending: false)
            case (.argMax, 2), (.argMin, 2):
                guard !distinct else { throw error("\(name)(DISTINCT …) is not supported", p) }
                argument = try inner.bind(args[0])
                by = try inner.bind(args[1])
            case (.argMax, _), (.argMin, _):
                throw error("\(name) takes a value and the expression to compare rows by", p)
            case (let k, 2) where k.isBivariate:
                guard !distinct else { throw error("\(name)(DISTINCT …) is not supported", p) }
                argument = try inner.coerce(try inner.number(try inner.bind(args[0]), name, args[0].position), to: .double, args[0].position)
                by = try inner.coerce(try inner.number(try inner.bind(args[1]), name, args[1].position), to: .double, args[1].position)
            case (let k, _) where k.isBivariate:
                throw error("\(name) takes two arguments, y and x", p)
            case (.stringAgg, 1):
                argument = try inner.bind(args[0]); parameter = .string(",")
            case (.stringAgg, 2):
                argument = try inner.bind(args[0])
                guard case .constant(.string(let sep), _) = try inner.bind(args[1]) else {
                    throw error("string_agg separator must be a constant string", args[1].position)
                }
                parameter = .string(sep)
            case (.quantileCont, _), (.quantileDisc, _):
                throw error("\(name) takes a value and a fraction", p)
            case (_, 1):
                argument = try inner.bind(args[0])
            default:
                throw error("\(name) takes exactly one argument", p)
            }
        }
        if var a = argument, a.isStringConstant { a = .constant(a.constantValue, .varchar); argument = a }
        if let a = argument, name == "count_if" || name == "countif" {
            let condition = try inner.coerce(a, to: .boolean, args[0].position)
            argument = .caseWhen([(condition, .constant(.int(1), .bigint)), (.not(condition), .constant(.int(0), .bigint))],
                                 elseResult: .constant(.null, .bigint), .bigint)
        } else if let a = argument, ["fsum", "sumkahan", "kahan_sum", "favg"].contains(name) {
            argument = try inner.coerce(try inner.number(a, name, args[0].position), to: .double, args[0].position)
        }
        // A bare NULL has no type; numeric aggregates of it are NULL, as in DuckDB.
        if argument?.isNullConstant == true, [.sum, .avg, .stddevSamp, .varSamp, .stddevPop, .varPop, .product, .skewness, .kurtosis, .kurtosisPop,
                                              .bitAnd, .bitOr, .bitXor].contains(kind) {
            argument = .constant(.null, .bigint)
        }
        var rowFilter: BoundExpr?
        if let filter {
            let accepts = try inner.coerce(try inner.bind(filter), to: .boolean, filter.position)
            if kind == .first || kind == .last {
                rowFilter = accepts   // they keep NULL values, so rejected rows must not reach them at all
            } else {
                // Every other aggregate skips NULL inputs, so a row the filter rejects is fed as
                // NULL; count(*) becomes a count of the rows it accepts.
                if kind == .countStar { kind = .count }
                let input = argument ?? .constant(.int(1), .bigint)
                argument = .caseWhen([(accepts, input)], elseResult: .constant(.null, input.type), input.type)
            }
        }
        let type: ColumnType
        let at = argument?.type ?? .bigint
        switch kind {
        case .countStar, .count, .approxCountDistinct: type = .bigint
        case .sum:
            guard at.isNumeric else { throw error("sum needs a numeric argument, got \(at)", p) }
            type = at.isInteger ? .bigint : .double
        case .avg, .stddevSamp, .varSamp, .stddevPop, .varPop, .product, .skewness, .kurtosis, .kurtosisPop:
            guard at.isNumeric else { throw error("\(name) needs a numeric argument, got \(at)", p) }
            type = .double
        case .entropy: type = .double
        case .regrCount: type = .bigint
        case .covarPop, .covarSamp, .corr, .regrSlope, .regrIntercept, .regrR2, .regrAvgX, .regrAvgY, .regrSXX, .regrSYY, .regrSXY:
            type = .double
        case .quantileCont:
            guard at.isNumeric || at.isTemporal else { throw error("\(name) needs a numeric or temporal argument", p) }
            type = at.isNumeric ? .double : (at == .date ? .timestamp : at)
        case .quantileDisc:
            guard at.isNumeric || at.isTemporal else { throw error("\(name) needs a numeric or temporal argument, got \(at)", p) }
            type = at
        case .min, .max, .first, .last, .anyValue, .argMax, .argMin, .mode: type = at
        case .boolAnd, .boolOr:
            guard at == .boolean else { throw error("\(name) needs a boolean argument", p) }
            type = .boolean
        case .bitAnd, .bitOr, .bitXor:
            guard at.isInteger else { throw error("\(name) needs an integer argument, got \(at)", p) }
            type = at
        case .stringAgg:
            if let a = argument, !a.type.isString { argument = .cast(a, to: .varchar, tryCast: false) }
            type = .varchar
        }
        var spec = AggregateSpec(kind: kind, argument: argument, distinct: distinct && kind != .countStar,
                                 parameter: parameter, type: type, by: by)
        spec.descending = descending
        spec.nullsFirst = nullsFirst
        spec.filter = rowFilter
        let index: Int
        if let existing = collected.firstIndex(of: spec) {
            index = existing
        } else {
            collected.append(spec)
            index = collected.count - 1
        }
        aggregates = collected
        let result = BoundExpr.column(Binder.aggregateBase + index, type)
        // DuckDB's approx_quantile estimates; Cairn answers exactly, interpolated as quantile_cont, and
        // like DuckDB gives an integer or DATE argument's quantile in that type.
        if name == "approx_quantile", at.isInteger || at == .date { return .cast(result, to: at, tryCast: false) }
        return result
    }

    private func quantileFraction(_ b: BoundExpr, _ p: SQLPosition, descending: Bool) throws(CairnError) -> Value {
        guard case .constant(let v, _) = b else { throw error("quantile fraction must be a constant", p) }
        let f: Double
        switch v {
        case .double(let d): f = d
        case .int(let i): f = Double(i)
        default: throw error("quantile fraction must be a number between 0 and 1", p)
        }
        guard (0...1).contains(f) else { throw error("quantile fraction must be between 0 and 1, got \(f)", p) }
        return .double(descending ? 1 - f : f)
    }

    func expectArgs(_ name: String, _ args: [BoundExpr], _ range: ClosedRange<Int>, _ p: SQLPosition) throws(CairnError) {
        guard range.contains(args.count) else {
            let want = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw error("\(name) takes \(want) argument\(range.upperBound == 1 ? "" : "s"), got \(args.count)", p)
        }
    }

    func text(_ b: BoundExpr, _ name: String, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if b.type.isString { return b }
        if b.isNullConstant { return .constant(.null, .varchar) }
        throw error("\(name) needs a VARCHAR argument, got \(b.type)", p)
    }

    func number(_ b: BoundExpr, _ name: String, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if b.type.isNumeric { return b }
        if b.isStringConstant || b.isNullConstant { return try coerce(b, to: .double, p) }
        throw error("\(name) needs a numeric argument, got \(b.type)", p)
    }

    func integer(_ b: BoundExpr, _ name: String, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if b.type.isInteger { return b.type == .bigint ? b : .cast(b, to: .bigint, tryCast: false) }
        if b.isNullConstant { return .constant(.null, .bigint) }
        if case .constant(.double(let d), _) = b, let i = Int64(exactly: d) { return .constant(.int(i), .bigint) }
        throw error("\(name) needs an integer argument, got \(b.type)", p)
    }

    func temporal(_ b: BoundExpr, _ name: String, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if b.type.isTemporal { return b }
        if b.isStringConstant { return try coerce(b, to: .timestamp, p) }
        if b.isNullConstant { return .constant(.null, .timestamp) }
        throw error("\(name) needs a DATE or TIMESTAMP argument, got \(b.type)", p)
    }

    /// A DATE or TIMESTAMP argument as a timestamp (a date is its midnight).
    func timestamp(_ b: BoundExpr, _ name: String, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        let t = try temporal(b, name, p)
        return t.type == .date ? .cast(t, to: .timestamp, tryCast: false) : t
    }

    /// `doc` at the constant JSON path `path`, as JSON (the two-argument forms of the json_* functions).
    private func jsonAt(_ doc: BoundExpr, _ path: BoundExpr, _ name: String, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        guard case .constant(let pv, _) = path, let parsed = JSONPath(pv) else { throw error("\(name) needs a constant JSON path", p) }
        return .function(.jsonExtract(parsed, asText: false), [try text(doc, name, p)], .json)
    }

    /// The constant format string of strftime/strptime, parsed; an unknown specifier is an error at it.
    private func timeFormat(_ b: BoundExpr, _ name: String, _ p: SQLPosition) throws(CairnError) -> TimeFormat {
        let text = try constantString(b, "the \(name) format", p)
        do { return try TimeFormat(text) } catch { throw self.error("unknown \(name) format specifier \(error.spec)", p) }
    }

    func constantString(_ b: BoundExpr, _ what: String, _ p: SQLPosition) throws(CairnError) -> String {
        guard case .constant(.string(let s), _) = b else { throw error("\(what) must be a constant string", p) }
        return s
    }

    private func bindScalar(_ name: String, _ a: [BoundExpr], _ exprs: [Expr], _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        func pos(_ i: Int) -> SQLPosition { i < exprs.count ? exprs[i].position : p }
        switch name {
        case _ where name == "ltrim" || name == "rtrim" || (name == "trim" && a.count == 2):
            try expectArgs(name, a, 1...2, p)
            let f = ScalarFunction.trimCharacters(leading: name != "rtrim", trailing: name != "ltrim")
            return .function(f, try a.enumerated().map { (i, x) throws(CairnError) in try text(x, name, pos(i)) }, .varchar)
        case "lower", "lcase", "upper", "ucase", "trim":
            try expectArgs(name, a, 1...1, p)
            let f: ScalarFunction = name == "trim" ? .trim : (name.hasPrefix("l") ? .lower : .upper)
            return .function(f, [try text(a[0], name, pos(0))], .varchar)
        case "length", "len", "char_length", "character_length":
            try expectArgs(name, a, 1...1, p)
            return .function(.length, [try text(a[0], name, pos(0))], .bigint)
        case "strlen", "octet_length":
            try expectArgs(name, a, 1...1, p)
            return .function(.byteLength, [try text(a[0], name, pos(0))], .bigint)
        case "substr", "substring":
            try expectArgs(name, a, 2...3, p)
            var args = [try text(a[0], name, pos(0)), try integer(a[1], name, pos(1))]
            if a.count == 3 { args.append(try integer(a[2], name, pos(2))) }
            return .function(.substr, args, .varchar)
        case "concat":
            var args: [BoundExpr] = []
            for x in a { args.append(x.type == .varchar ? x : .cast(x, to: .varchar, tryCast: false)) }
            // concat() skips NULLs, unlike ||.
            return .function(.concat, args.map { .coalesce([$0, .constant(.string(""), .varchar)], .varchar) }, .varchar)
        case "replace":
            try expectArgs(name, a, 3...3, p)
            return .function(.replace, [try text(a[0], name, pos(0)), try text(a[1], name, pos(1)), try text(a[2], name, pos(2))], .varchar)
        case "starts_with", "prefix":
            try expectArgs(name, a, 2...2, p)
            return .function(.startsWith, [try text(a[0], name, pos(0)), try text(a[1], name, pos(1))], .boolean)
        case "contains":
            try expectArgs(name, a, 2...2, p)
            return .function(.contains, [try text(a[0], name, pos(0)), try text(a[1], name, pos(1))], .boolean)
        case "split_part":
            try expectArgs(name, a, 3...3, p)
            return .function(.splitPart, [try text(a[0], name, pos(0)), try text(a[1], name, pos(1)), try integer(a[2], name, pos(2))], .varchar)
        case "left", "right":
            try expectArgs(name, a, 2...2, p)
            return .function(name == "left" ? .left : .right, [try text(a[0], name, pos(0)), try integer(a[1], name, pos(1))], .varchar)
        case "strpos", "instr":
            try expectArgs(name, a, 2...2, p)
            return .function(.strpos, [try text(a[0], name, pos(0)), try text(a[1], name, pos(1))], .bigint)
        case "lpad", "rpad":
            try expectArgs(name, a, 3...3, p)
            return .function(name == "lpad" ? .lpad : .rpad, [try text(a[0], name, pos(0)), try integer(a[1], name, pos(1)),
                                                              try text(a[2], name, pos(2))], .varchar)
        case "regexp_matches", "regexp_extract", "regexp_replace":
            let replace = name == "regexp_replace", extract = name == "regexp_extract"
            try expectArgs(name, a, replace ? 3...4 : 2...(extract ? 4 : 3), p)
            let pattern = try constantString(a[1], "the \(name) pattern", pos(1))
            let optionsAt = replace ? 3 : (extract ? 3 : 2)
            let options = a.count > optionsAt ? try constantString(a[optionsAt], "\(name) options", pos(optionsAt)) : ""
            let regex: RegexPattern
            do {
                regex = try RegexPattern(pattern, options: options, allowGlobal: replace)
            } catch {
                throw self.error("unknown \(name) option '\(error.letter)'", pos(optionsAt))
            }
            do { _ = try regex.compile() } catch {
                throw self.error(error.message, pos(1))
            }
            let subject = try text(a[0], name, pos(0))
            if replace { return .function(.regexpReplace(regex), [subject, try text(a[2], name, pos(2))], .varchar) }
            if extract {
                let group = a.count > 2 ? try integer(a[2], name, pos(2)) : .constant(.int(0), .bigint)
                return .function(.regexpExtract(regex), [subject, group], .varchar)
            }
            return .function(.regexpMatches(regex), [subject], .boolean)
        case "strftime":
            try expectArgs(name, a, 2...2, p)
            // DuckDB takes the format first or second.
            let formatAt = a[0].isStringConstant && !a[1].isStringConstant ? 0 : 1
            let format = try timeFormat(a[formatAt], name, pos(formatAt))
            return .function(.strftime(format), [try timestamp(a[1 - formatAt], name, pos(1 - formatAt))], .varchar)
        case "strptime":
            try expectArgs(name, a, 2...2, p)
            let format = try timeFormat(a[1], name, pos(1))
            return .function(.strptime(format), [try text(a[0], name, pos(0))], format.readsOffset ? .timestamptz : .timestamp)
        case "timezone":
            try expectArgs(name, a, 2...2, p)
            let zoneName = try constantString(a[0], "the time zone", pos(0))
            guard let zone = ZoneRule(zoneName) else {
                throw error("unknown time zone '\(zoneName)' (use an IANA name such as 'Europe/Berlin', or 'UTC')", pos(0))
            }
            let t = try temporal(a[1], name, pos(1))
            if t.type == .timestamptz { return .function(.atTimeZone(zone, toInstant: false), [t], .timestamp) }
            let local = t.type == .date ? BoundExpr.cast(t, to: .timestamp, tryCast: false) : t
            return .function(.atTimeZone(zone, toInstant: true), [local], .timestamptz)
        case "make_date":
            try expectArgs(name, a, 3...3, p)
            return .function(.makeDate, try a.enumerated().map { (i, x) throws(CairnError) in try integer(x, name, pos(i)) }, .date)
        case "make_time":
            try expectArgs(name, a, 3...3, p)
            return .function(.makeTime, [try integer(a[0], name, pos(0)), try integer(a[1], name, pos(1)),
                                         try coerce(try number(a[2], name, pos(2)), to: .double, pos(2))], .time)
        case "make_timestamp":
            if a.count == 1 { return .function(.makeTimestamp, [try integer(a[0], name, pos(0))], .timestamp) }   // microseconds
            try expectArgs(name, a, 6...6, p)
            var args: [BoundExpr] = []
            for i in 0..<5 { args.append(try integer(a[i], name, pos(i))) }
            args.append(try coerce(try number(a[5], name, pos(5)), to: .double, pos(5)))
            return .function(.makeTimestamp, args, .timestamp)
        case "date_add":
            try expectArgs(name, a, 2...2, p)
            return try bindArithmetic(.add, a[0], a[1], p)
        case "printf", "format":
            guard !a.isEmpty else { throw error("\(name) needs a format string", p) }
            return .function(name == "printf" ? .printf : .format, [try text(a[0], name, pos(0))] + a.dropFirst(), .varchar)
        case "json_array_length":
            try expectArgs(name, a, 1...2, p)
            let doc = a.count == 2 ? try jsonAt(a[0], a[1], name, pos(1)) : try text(a[0], name, pos(0))
            return .function(.jsonArrayLength, [doc], .bigint)
        case "md5":
            try expectArgs(name, a, 1...1, p)
            return .function(.md5, [try text(a[0], name, pos(0))], .varchar)
        case "json_type":
            try expectArgs(name, a, 1...2, p)
            let doc = a.count == 2 ? try jsonAt(a[0], a[1], name, pos(1)) : try text(a[0], name, pos(0))
            return .function(.jsonType, [doc], .varchar)
        case "json_object":
            guard a.count % 2 == 0 else { throw error("json_object takes key, value pairs; got \(a.count) arguments", p) }
            var args: [BoundExpr] = []
            var embedded: [Bool] = []
            for (i, x) in a.enumerated() {
                if i % 2 == 0 {
                    guard x.type == .varchar || x.isNullConstant else { throw error("json_object keys must be text, got \(x.type)", pos(i)) }
                    args.append(x); embedded.append(false)
                } else {
                    guard x.type != .vector else { throw error("json_object cannot hold a VECTOR value", pos(i)) }
                    args.append(x.isStringConstant ? .constant(x.constantValue, .varchar) : x); embedded.append(x.type == .json)
                }
            }
            return .function(.jsonObject(embedded: embedded), args, .json)
        case "date_diff", "datediff", "date_sub", "datesub":
            try expectArgs(name, a, 3...3, p)
            let sub = name.hasSuffix("sub")
            let unitName = try constantString(a[0], "the \(name) unit", pos(0))
            guard let unit = Self.timeUnit(unitName),
                  sub || [.microsecond, .millisecond, .second, .minute, .hour, .day, .week, .month, .quarter, .year].contains(unit) else {
                throw error("unknown \(name) unit '\(unitName)'", pos(0))
            }
            return .function(sub ? .dateSubUnits(unit) : .dateDiffUnits(unit),
                             [try timestamp(a[1], name, pos(1)), try timestamp(a[2], name, pos(2))], .bigint)
        case "epoch_ms":
            try expectArgs(name, a, 1...1, p)
            if a[0].type.isInteger { return .function(.fromEpochMillis, [try integer(a[0], name, pos(0))], .timestamp) }
            return .function(.epochMillis, [try timestamp(a[0], name, pos(0))], .bigint)
        case "epoch_us":
            try expectArgs(name, a, 1...1, p)
            return .function(.epochMicros, [try timestamp(a[0], name, pos(0))], .bigint)
        case "dayname", "monthname":
            try expectArgs(name, a, 1...1, p)
            return .function(name == "dayname" ? .dayName : .monthName, [try timestamp(a[0], name, pos(0))], .varchar)
        case "abs":
            try expectArgs(name, a, 1...1, p)
            let x = try number(a[0], name, pos(0))
            return .function(.abs, [x], x.type.isInteger ? .bigint : .double)
        case "round":
            try expectArgs(name, a, 1...2, p)
            let x = try number(a[0], name, pos(0))
            var args = [x]
            if a.count == 2 { args.append(try integer(a[1], name, pos(1))) }
            return .function(.round, args, x.type.isInteger ? .bigint : .double)
        case "floor", "ceil", "ceiling":
            try expectArgs(name, a, 1...1, p)
            let x = try number(a[0], name, pos(0))
            return .function(name == "floor" ? .floor : .ceil, [x], x.type.isInteger ? .bigint : .double)
        case "log" where a.count == 2:   // log(base, x)
            return .function(.library(.logBase), [try coerce(try number(a[0], name, pos(0)), to: .double, pos(0)),
                                                  try coerce(try number(a[1], name, pos(1)), to: .double, pos(1))], .double)
        case "sqrt", "ln", "log10", "log":
            try expectArgs(name, a, 1...1, p)
            let f: ScalarFunction = name == "sqrt" ? .sqrt : (name == "ln" ? .ln : .log10)
            return .function(f, [try coerce(try number(a[0], name, pos(0)), to: .double, pos(0))], .double)
        case "power", "pow":
            try expectArgs(name, a, 2...2, p)
            return .function(.power, [try coerce(try number(a[0], name, pos(0)), to: .double, pos(0)),
                                      try coerce(try number(a[1], name, pos(1)), to: .double, pos(1))], .double)
        case "coalesce", "ifnull":
            guard !a.isEmpty else { throw error("\(name) needs at least one argument", p) }
            var t = a[0].type
            var firstTyped = a[0].isNullConstant
            for x in a.dropFirst() {
                if firstTyped && !x.isNullConstant { t = x.type; firstTyped = false; continue }
                t = try commonType(t, x, p)
            }
            var args: [BoundExpr] = []
            for x in a { args.append(try coerce(x, to: t, p)) }
            return .coalesce(args, t)
        case "nullif":
            try expectArgs(name, a, 2...2, p)
            let (l, r) = try unify(a[0], a[1], p)
            return .function(.nullIf, [l, r], l.type)
        case "greatest", "least":
            guard !a.isEmpty else { throw error("\(name) needs at least one argument", p) }
            var t = a[0].type
            for x in a.dropFirst() { t = try commonType(t, x, p) }
            var args: [BoundExpr] = []
            for x in a { args.append(try coerce(x, to: t, p)) }
            return .function(name == "greatest" ? .greatest : .least, args, t)
        case "now", "current_timestamp", "transaction_timestamp", "get_current_timestamp":
            try expectArgs(name, a, 0...0, p)
            return .constant(.timestamp(context.now), .timestamptz)
        case "current_date", "today":
            try expectArgs(name, a, 0...0, p)
            return .constant(.date(Int32(Calendar.dayOf(micros: context.now))), .date)
        case "date_trunc", "datetrunc":
            try expectArgs(name, a, 2...2, p)
            let unitName = try constantString(a[0], "date_trunc unit", pos(0))
            guard let unit = Self.timeUnit(unitName) else { throw error("unknown date_trunc unit '\(unitName)'", pos(0)) }
            let ts = try temporal(a[1], name, pos(1))
            // DuckDB returns a TIMESTAMP for date_trunc of a DATE.
            if ts.type == .date { return .function(.dateTrunc(unit), [.cast(ts, to: .timestamp, tryCast: false)], .timestamp) }
            return .function(.dateTrunc(unit), [ts], ts.type)
        case "date_part", "datepart":
            try expectArgs(name, a, 2...2, p)
            let field = try constantString(a[0], "date_part field", pos(0))
            return try bindDatePart(field, a[1], p)
        case "year", "month", "day", "hour", "minute", "second", "dayofweek", "dayofyear", "week", "quarter", "epoch",
             "isodow", "weekday", "yearweek", "dayofmonth", "weekofyear", "millisecond", "microsecond", "isoyear", "decade",
             "century", "millennium":
            try expectArgs(name, a, 1...1, p)
            return try bindDatePart(name, a[0], p)
        case "time_bucket":
            try expectArgs(name, a, 2...3, p)
            let width = a[0].isStringConstant ? try coerce(a[0], to: .interval, pos(0)) : a[0]
            guard case .constant(let wv, _) = width, case .interval(let m, let d, let us) = wv else {
                throw error("time_bucket width must be a constant INTERVAL", pos(0))
            }
            let ts = try temporal(a[1], name, pos(1))
            if m != 0 && (d != 0 || us != 0) { throw error("time_bucket width cannot mix months with days or time", pos(0)) }
            guard let dayMicros = Calendar.micros(days: Int64(d)), case (let width, false) = dayMicros.addingReportingOverflow(us) else {
                throw error("time_bucket width is too large", pos(0))
            }
            guard m > 0 || width > 0 else { throw error("time_bucket width must be positive", pos(0)) }
            var origin: Int64 = m > 0
                ? Calendar.days(year: 2000, month: 1, day: 1) * Calendar.microsPerDay
                : Calendar.days(year: 2000, month: 1, day: 3) * Calendar.microsPerDay
            if a.count == 3 {
                let o = try coerce(a[2], to: .timestamp, pos(2))
                guard case .constant(.timestamp(let ov), _) = o else {
                    throw error("time_bucket origin must be a constant timestamp", pos(2))
                }
                origin = ov
            }
            let input = ts.type == .date ? BoundExpr.cast(ts, to: .timestamp, tryCast: false) : ts
            let resultType: ColumnType = ts.type == .date ? .date : ts.type
            let bucket = BoundExpr.function(.timeBucket(months: m, micros: width, originMicros: origin), [input], ts.type == .date ? .timestamp : ts.type)
            return ts.type == .date ? .cast(bucket, to: resultType, tryCast: false) : bucket
        case "json_extract_string", "json_extract_path_text", "json_value", "json_extract", "json_extract_path":
            try expectArgs(name, a, 2...2, p)
            guard case .constant(let pv, _) = a[1], let path = JSONPath(pv) else {
                throw error("\(name) needs a constant JSON path", pos(1))
            }
            let asText = name.hasSuffix("string") || name.hasSuffix("text") || name == "json_value"
            return .function(.jsonExtract(path, asText: asText), [try text(a[0], name, pos(0))], asText ? .varchar : .json)
        case "to_timestamp":
            try expectArgs(name, a, 1...1, p)
            return .function(.toTimestamp, [try coerce(try number(a[0], name, pos(0)), to: .double, pos(0))], .timestamptz)
        case "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value":
            throw error("\(name) is a window function: add OVER (…), e.g. \(name)(…) OVER (ORDER BY ts)", p)
        default:
            if let b = try bindLibraryFunction(name, a, exprs, p) { return b }
            throw error("unknown function \(name)()", p)
        }
    }

    /// Binds EXTRACT(field FROM arg), date_part('field', arg) and year(arg)-style calls alike.
    func bindDatePart(_ field: String, _ arg: BoundExpr, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        guard let part = Self.datePart(field) else { throw error("unknown date part \"\(field)\"", p) }
        let b = arg.isStringConstant ? try coerce(arg, to: .timestamp, p) : arg
        if part == .epoch, b.type == .interval {
            // A constant may hold months, which interval vectors cannot (they are microseconds).
            if case .constant(.interval(let m, let d, let us), _) = b {
                return .constant(.double((Double(m) * 30 + Double(d)) * 86_400 + Double(us) / 1e6), .double)
            }
            return .function(.intervalEpoch, [b], .double)
        }
        if b.type == .time {
            // A TIME is microseconds since midnight: its clock parts read like a timestamp's on 1970-01-01.
            guard [.hour, .minute, .second, .millisecond, .microsecond, .epoch].contains(part) else {
                throw error("\(field) is not a part of a TIME", p)
            }
            // 24:00:00 is hour 24 (as a timestamp it would be the next day's hour 0).
            if part == .hour { return .arithmetic(.integerDivide, b, .constant(.int(Calendar.microsPerHour), .bigint), .bigint) }
            return .function(.extract(part), [b], part == .epoch ? .double : .bigint)
        }
        guard b.type.isTemporal || b.isNullConstant else {
            throw error("date part extraction needs a DATE, TIMESTAMP or TIME, got \(b.type)", p)
        }
        return .function(.extract(part), [b.isNullConstant ? .constant(.null, .timestamp) : b], part == .epoch ? .double : .bigint)
    }

    static func datePart(_ field: String) -> DatePart? {
        switch field.lowercased() {
        case "year", "years", "y", "yr", "yrs": .year
        case "month", "months", "mon", "mons": .month
        case "day", "days", "d", "dayofmonth": .day
        case "hour", "hours", "h", "hr", "hrs": .hour
        case "minute", "minutes", "min", "mins", "m": .minute
        case "second", "seconds", "s", "sec", "secs": .second
        case "millisecond", "milliseconds", "ms", "msec": .millisecond
        case "microsecond", "microseconds", "us", "usec": .microsecond
        case "dow", "dayofweek", "weekday": .dow
        case "isodow": .isodow
        case "doy", "dayofyear": .doy
        case "week", "weeks", "w", "weekofyear": .week
        case "quarter", "quarters": .quarter
        case "epoch": .epoch
        case "decade", "decades": .decade
        case "century", "centuries": .century
        case "millennium", "millennia": .millennium
        case "isoyear": .isoyear
        case "yearweek": .yearweek
        default: nil
        }
    }

    static func timeUnit(_ s: String) -> TimeUnit? {
        switch s.lowercased() {
        case "microsecond", "microseconds", "us", "usec": .microsecond
        case "millisecond", "milliseconds", "ms", "msec": .millisecond
        case "second", "seconds", "s", "sec", "secs": .second
        case "minute", "minutes", "m", "min", "mins": .minute
        case "hour", "hours", "h", "hr", "hrs": .hour
        case "day", "days", "d": .day
        case "week", "weeks", "w": .week
        case "month", "months", "mon", "mons": .month
        case "quarter", "quarters": .quarter
        case "year", "years", "y", "yr", "yrs": .year
        case "decade", "decades": .decade
        case "century", "centuries": .century
        case "millennium", "millennia": .millennium
        default: nil
        }
    }
}

extension BoundExpr {
    var constantValue: Value {
        if case .constant(let v, _) = self { return v }
        return .null
    }
}

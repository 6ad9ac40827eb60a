import Foundation

/// Writes a deterministic, realistic multi-tenant event log (see Benchmarks/README.md for the model).
///
/// Rows come out hour by hour in timestamp order, like a log shipper would deliver them, except for
/// late arrivals whose timestamps lie up to a few hours in the past. Each hour draws from its own
/// PRNG stream seeded from (seed, hour), so the output depends only on the parameters.
final class EventGenerator: Sendable {
    enum Format { case csv, jsonl }

    static let columns = ["ts", "tenant_id", "user_id", "session_id", "event_type", "url", "ip",
                          "status", "latency_ms", "user_agent", "metadata"]

    /// The `CREATE TABLE` statement matching the generated columns.
    static let ddl = """
        CREATE TABLE events (
            ts TIMESTAMP NOT NULL,
            tenant_id VARCHAR NOT NULL,
            user_id VARCHAR,
            session_id VARCHAR NOT NULL,
            event_type VARCHAR NOT NULL,
            url VARCHAR,
            ip VARCHAR NOT NULL,
            status INTEGER NOT NULL,
            latency_ms DOUBLE NOT NULL,
            user_agent VARCHAR NOT NULL,
            metadata JSON
        ) PARTITION BY day(ts);
        """

    let rows: Int
    let seed: UInt64
    let days: Int
    let startDay: Int64

    private let tenantTable = WeightedTable.zipf(count: EventModel.tenantCount, exponent: EventModel.tenantSkew)
    private let userStart: [Int]
    private let userTables: [WeightedTable]
    private let typeTable = WeightedTable(weights: EventModel.types.map(\.weight))
    private let pageTable = WeightedTable.zipf(count: EventModel.pageURLs.count, exponent: EventModel.urlSkew)
    private let apiTable = WeightedTable.zipf(count: EventModel.apiURLs.count, exponent: EventModel.urlSkew)
    private let attackerTable = WeightedTable.zipf(count: 60, exponent: 1.2)
    private let countryTable = WeightedTable(weights: EventModel.countryWeights)
    private let logMedians = EventModel.types.map { log($0.medianMs) }

    // Pre-encoded vocabulary: plain bytes, and CSV-quoted where the text may contain commas.
    private let tenantNames: [[UInt8]]
    private let typeNames: [[UInt8]]
    private let pageURLs: [[UInt8]]
    private let apiURLs: [[UInt8]]
    private let agentsCSV: [[UInt8]]
    private let agentsJSON: [[UInt8]]
    private let browsers: [[UInt8]]
    private let vocabulary = Vocabulary()
    private let metadataKinds = EventModel.types.map { MetadataKind($0.name) }

    private let pageView = EventModel.typeIndex("page_view")
    private let apiCall = EventModel.typeIndex("api_call")
    private let loginFailed = EventModel.typeIndex("login_failed")
    private let permissionDenied = EventModel.typeIndex("permission_denied")
    private let error4xx = EventModel.typeIndex("error_4xx")
    private let error5xx = EventModel.typeIndex("error_5xx")

    init(rows: Int, seed: UInt64, days: Int, startDay: Int64) {
        self.rows = rows
        self.seed = seed
        self.days = days
        self.startDay = startDay
        // Users are split among tenants in proportion to tenant popularity (at least 20 each).
        var start = 0
        var starts: [Int] = []
        var tables: [WeightedTable] = []
        for t in 0..<EventModel.tenantCount {
            let n = max(20, Int((Double(EventModel.userCount) * tenantTable.probability(t)).rounded()))
            starts.append(start)
            tables.append(.zipf(count: n, exponent: EventModel.userSkew))
            start += n
        }
        userStart = starts
        userTables = tables
        func bytes(_ list: [String]) -> [[UInt8]] { list.map { Array($0.utf8) } }
        tenantNames = bytes((1...EventModel.tenantCount).map { "tenant_" + Self.zeroPadded($0, 3) })
        typeNames = bytes(EventModel.types.map(\.name))
        pageURLs = bytes(EventModel.pageURLs)
        apiURLs = bytes(EventModel.apiURLs)
        agentsJSON = bytes(EventModel.userAgents.map(\.agent))
        agentsCSV = bytes(EventModel.userAgents.map { "\"" + $0.agent + "\"" })
        browsers = bytes(EventModel.userAgents.map(\.browser))
    }

    static func zeroPadded(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// The user id text of global user index `u` (0-based): `user_000001` is the most active user
    /// of the most active tenant.
    static func userName(_ u: Int) -> String { "user_" + zeroPadded(u + 1, 6) }

    /// Relative traffic of an hour: a diurnal curve peaking mid-afternoon UTC, quieter weekends,
    /// and 30 % growth over the whole range.
    private func hourWeight(_ hour: Int) -> Double {
        let hourOfDay = Double(hour % 24)
        let diurnal = 0.3 + 0.7 * (0.5 - 0.5 * cos(2 * Double.pi * (hourOfDay - 3) / 24))
        let dayNumber = startDay + Int64(hour / 24)
        let weekday = ((dayNumber % 7) + 7 + 3) % 7 // 0 = Monday (1970-01-01 was a Thursday)
        let weekly = weekday >= 5 ? 0.45 : 1.0
        let growth = 1 + 0.3 * Double(hour) / Double(max(1, days * 24))
        return diurnal * weekly * growth
    }

    /// Generates every row into `out`; `progress` is called with the fraction done.
    ///
    /// Days are formatted in parallel into memory, a batch at a time, and written in order.
    func write(_ format: Format, to out: OutputBuffer, progress: ((Double) -> Void)? = nil) throws {
        if format == .csv {
            try out.reserve(256)
            out.bytes(Array(Self.columns.joined(separator: ",").utf8))
            out.byte(10)
        }
        let hours = days * 24
        let weights = (0..<hours).map(hourWeight)
        let total = weights.reduce(0, +)
        var hourRows: [Int] = []
        var cumulative = 0.0
        var emitted = 0
        for hour in 0..<hours {
            cumulative += weights[hour]
            let target = hour == hours - 1 ? rows : Int((Double(rows) * cumulative / total).rounded())
            hourRows.append(target - emitted)
            emitted = target
        }
        let batch = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        var firstDay = 0
        while firstDay < days {
            let batchDays = min(batch, days - firstDay)
            let buffers = (0..<batchDays).map { _ in OutputBuffer(memoryCapacity: 1 << 20) }
            let failures = FailureBox()
            let batchStart = firstDay, counts = hourRows
            DispatchQueue.concurrentPerform(iterations: batchDays) { i in
                do {
                    let day = batchStart + i
                    for hour in (day * 24)..<(day * 24 + 24) {
                        try writeHour(hour, rows: counts[hour], format: format, out: buffers[i])
                    }
                } catch {
                    failures.record(error)
                }
            }
            if let error = failures.error { throw error }
            for buffer in buffers { try out.write(buffer) }
            firstDay += batchDays
            progress?(Double(firstDay) / Double(days))
        }
        try out.close()
    }

    private func writeHour(_ hour: Int, rows count: Int, format: Format, out: OutputBuffer) throws {
        var rng = SplitMix64(seed: SplitMix64.mix(seed ^ (UInt64(hour) &* 0xD1B5_4A32_D192_ED03)))
        let hourStart = (startDay * 24 + Int64(hour)) * 3_600_000_000
        for j in 0..<count {
            var ts = hourStart + Int64((Double(j) + rng.nextDouble()) / Double(count) * 3_600_000_000)
            if rng.chance(EventModel.lateArrivalShare) {
                ts -= 60_000_000 + Int64(rng.next(below: Int(EventModel.maxLatenessMicros - 60_000_000)))
            }
            try writeRow(ts: ts, rng: &rng, format: format, out: out)
        }
    }

    @inline(__always)
    private func writeRow(ts: Int64, rng: inout SplitMix64, format: Format, out: OutputBuffer) throws {
        try out.reserve(2048)
        let csv = format == .csv
        let type = typeTable.sample(&rng)
        let tenant = tenantTable.sample(&rng)
        var user = userStart[tenant] + userTables[tenant].sample(&rng)
        if type == pageView && rng.chance(EventModel.anonymousPageViewShare) { user = -1 }
        let userHash = SplitMix64.mix(seed &+ UInt64(user + 1) &* 0x9E37_79B9)
        let session = user < 0 ? rng.next() : SplitMix64.mix(userHash ^ UInt64(ts / 1_800_000_000))

        var url: [UInt8]? = nil
        if EventModel.types[type].hasURL {
            // Page views hit pages, API calls and server errors the API, client errors either.
            url = type == pageView || (type == error4xx && rng.chance(0.5))
                ? pageURLs[pageTable.sample(&rng)] : apiURLs[apiTable.sample(&rng)]
        }

        var status: Int64 = 200
        var latencyFactor = 1.0
        if type == error5xx {
            status = EventModel.serverErrors[rng.next(below: EventModel.serverErrors.count)]
        } else if type == error4xx {
            status = EventModel.clientErrors[rng.next(below: EventModel.clientErrors.count)]
        } else if type == loginFailed {
            status = 401
        } else if type == permissionDenied {
            status = 403
        } else if rng.chance(0.01) {
            status = EventModel.serverErrors[rng.next(below: EventModel.serverErrors.count)]
            latencyFactor = 5 // failures are mostly timeouts
        } else if type == apiCall && rng.chance(0.2) {
            status = rng.chance(0.5) ? 201 : 204
        }
        let sigma = EventModel.types[type].sigma
        let latency = max(0.1, exp(logMedians[type] + sigma * rng.nextGaussian()) * latencyFactor)
        let latencyMillis = Int64((latency * 1000).rounded())

        // Signed-in users keep one browser most of the time.
        let agent = user >= 0 && !rng.chance(0.1)
            ? Int(userHash % UInt64(agentsJSON.count)) : rng.next(below: agentsJSON.count)

        // IPs: a stable address per user; failed logins partly from a small pool of attackers.
        let ipHash: UInt64
        if type == loginFailed && rng.chance(0.4) {
            ipHash = SplitMix64.mix(seed ^ 0xA77A_C4E5 ^ UInt64(attackerTable.sample(&rng)))
        } else {
            ipHash = user < 0 ? rng.next() : SplitMix64.mix(userHash)
        }

        let q: UInt8 = 34
        if csv {
            writeTimestamp(ts, out)
            out.byte(44); out.bytes(tenantNames[tenant])
            out.byte(44); if user >= 0 { writeUser(user, out) }
            out.byte(44); out.hex16(session)
            out.byte(44); out.bytes(typeNames[type])
            out.byte(44); if let url { out.bytes(url) }
            out.byte(44); writeIP(ipHash, out)
            out.byte(44); out.decimal(status)
            out.byte(44); writeMillis(latencyMillis, out)
            out.byte(44); out.bytes(agentsCSV[agent])
            out.byte(44); out.byte(q)
            writeMetadata(type: type, agent: agent, rng: &rng, json: JSONEmitter(out: out, doubledQuotes: true))
            out.byte(q)
        } else {
            out.bytes(Self.jsonTS); writeTimestamp(ts, out); out.byte(q)
            out.bytes(Self.jsonTenant); out.bytes(tenantNames[tenant]); out.byte(q)
            out.bytes(Self.jsonUser)
            if user >= 0 { out.byte(q); writeUser(user, out); out.byte(q) } else { out.bytes(Self.null) }
            out.bytes(Self.jsonSession); out.hex16(session); out.byte(q)
            out.bytes(Self.jsonType); out.bytes(typeNames[type]); out.byte(q)
            out.bytes(Self.jsonURL)
            if let url { out.byte(q); out.bytes(url); out.byte(q) } else { out.bytes(Self.null) }
            out.bytes(Self.jsonIP); writeIP(ipHash, out); out.byte(q)
            out.bytes(Self.jsonStatus); out.decimal(status)
            out.bytes(Self.jsonLatency); writeMillis(latencyMillis, out)
            out.bytes(Self.jsonAgent); out.bytes(agentsJSON[agent]); out.byte(q)
            out.bytes(Self.jsonMetadata)
            writeMetadata(type: type, agent: agent, rng: &rng, json: JSONEmitter(out: out, doubledQuotes: false))
            out.byte(125)
        }
        out.byte(10)
    }

    private static let jsonTS = Array(#"{"ts":""#.utf8)
    private static let jsonTenant = Array(#","tenant_id":""#.utf8)
    private static let jsonUser = Array(#","user_id":"#.utf8)
    private static let jsonSession = Array(#","session_id":""#.utf8)
    private static let jsonType = Array(#","event_type":""#.utf8)
    private static let jsonURL = Array(#","url":"#.utf8)
    private static let jsonIP = Array(#","ip":""#.utf8)
    private static let jsonStatus = Array(#","status":"#.utf8)
    private static let jsonLatency = Array(#","latency_ms":"#.utf8)
    private static let jsonAgent = Array(#","user_agent":""#.utf8)
    private static let jsonMetadata = Array(#","metadata":"#.utf8)
    private static let null = Array("null".utf8)

    /// `YYYY-MM-DD HH:MM:SS.ffffff`.
    @inline(__always)
    private func writeTimestamp(_ ts: Int64, _ out: OutputBuffer) {
        let (day, rest) = CivilTime.split(ts)
        let (y, m, d) = CivilTime.civil(fromDays: day)
        let secs = rest / 1_000_000
        out.decimal(y, width: 4); out.byte(45); out.decimal(m, width: 2); out.byte(45); out.decimal(d, width: 2)
        out.byte(32)
        out.decimal(secs / 3600, width: 2); out.byte(58); out.decimal(secs / 60 % 60, width: 2); out.byte(58)
        out.decimal(secs % 60, width: 2); out.byte(46); out.decimal(rest % 1_000_000, width: 6)
    }

    @inline(__always)
    private func writeUser(_ user: Int, _ out: OutputBuffer) {
        out.bytes(Self.userPrefix); out.decimal(Int64(user + 1), width: 6)
    }
    private static let userPrefix = Array("user_".utf8)

    /// A public-looking IPv4 address derived from `h`.
    @inline(__always)
    private func writeIP(_ h: UInt64, _ out: OutputBuffer) {
        out.decimal(Int64(1 + (h & 0xFF) % 223)); out.byte(46)
        out.decimal(Int64((h >> 8) & 0xFF)); out.byte(46)
        out.decimal(Int64((h >> 16) & 0xFF)); out.byte(46)
        out.decimal(Int64(1 + ((h >> 24) & 0xFF) % 254))
    }

    /// Milliseconds with exactly three decimals.
    @inline(__always)
    private func writeMillis(_ thousandths: Int64, _ out: OutputBuffer) {
        out.decimal(thousandths / 1000); out.byte(46); out.decimal(thousandths % 1000, width: 3)
    }

    /// The metadata shape of each event type.
    private enum MetadataKind {
        case pageView, apiCall, search, export, file, webhook, login, logout, role, setting, invite
        case apiKey, loginFailed, passwordReset, mfa, permissionDenied, sessionTimeout, email, emailBounced, error

        init(_ name: String) {
            switch name {
            case "page_view": self = .pageView
            case "api_call": self = .apiCall
            case "search": self = .search
            case "export_created": self = .export
            case "file_uploaded", "file_downloaded": self = .file
            case "webhook_delivered": self = .webhook
            case "login": self = .login
            case "logout": self = .logout
            case "role_granted", "role_revoked": self = .role
            case "settings_changed": self = .setting
            case "user_invited": self = .invite
            case "api_key_created": self = .apiKey
            case "login_failed": self = .loginFailed
            case "password_reset": self = .passwordReset
            case "mfa_challenge": self = .mfa
            case "permission_denied": self = .permissionDenied
            case "session_timeout": self = .sessionTimeout
            case "email_bounced": self = .emailBounced
            case let n where n.hasPrefix("email_"): self = .email
            default: self = .error
            }
        }
    }

    /// Vocabularies as bytes, so rows copy them without touching `String`.
    private struct Vocabulary: Sendable {
        let countries = Self.bytes(EventModel.countries), referrers = Self.bytes(EventModel.referrers)
        let apiClients = Self.bytes(EventModel.apiClients), httpMethods = Self.bytes(EventModel.httpMethods)
        let exportFormats = Self.bytes(EventModel.exportFormats), contentTypes = Self.bytes(EventModel.contentTypes)
        let loginMethods = Self.bytes(EventModel.loginMethods), logoutReasons = Self.bytes(EventModel.logoutReasons)
        let failReasons = Self.bytes(EventModel.failReasons), resetChannels = Self.bytes(EventModel.resetChannels)
        let mfaFactors = Self.bytes(EventModel.mfaFactors), roles = Self.bytes(EventModel.roles)
        let settings = Self.bytes(EventModel.settings), scopes = Self.bytes(EventModel.scopes)
        let resources = Self.bytes(EventModel.resources), actions = Self.bytes(EventModel.actions)
        let templates = Self.bytes(EventModel.templates), providers = Self.bytes(EventModel.providers)
        let services = Self.bytes(EventModel.services)
        let exampleDomain = Array("example.com".utf8), gmailDomain = Array("gmail.com".utf8)
        let hard = Array("hard".utf8), soft = Array("soft".utf8)
        let hookPrefix = Array("https://hooks.example.com/h/".utf8)

        static func bytes(_ list: [String]) -> [[UInt8]] { list.map { Array($0.utf8) } }
    }

    private func pick(_ list: [[UInt8]], _ rng: inout SplitMix64) -> [UInt8] { list[rng.next(below: list.count)] }

    /// The metadata object, whose keys depend on the event type.
    private func writeMetadata(type: Int, agent: Int, rng: inout SplitMix64, json emitter: JSONEmitter) {
        var json = emitter
        let v = vocabulary
        json.open()
        switch metadataKinds[type] {
        case .pageView:
            json.field("browser", browsers[agent])
            json.field("country", v.countries[countryTable.sample(&rng)])
            json.field("referrer", pick(v.referrers, &rng))
        case .apiCall:
            json.field("method", pick(v.httpMethods, &rng))
            json.field("client", pick(v.apiClients, &rng))
            json.field("bytes", Int64(rng.next(below: 200_000)))
        case .search:
            json.field("query_len", Int64(1 + rng.next(below: 60)))
            json.field("results", Int64(rng.next(below: 500)))
        case .export:
            json.field("format", pick(v.exportFormats, &rng))
            json.field("rows", Int64(rng.next(below: 1_000_000)))
        case .file:
            json.field("content_type", pick(v.contentTypes, &rng))
            json.field("size", Int64(1000 + rng.next(below: 50_000_000)))
        case .webhook:
            json.field("endpoint", v.hookPrefix, suffix: Int64(rng.next(below: 5000)))
            json.field("attempt", Int64(1 + (rng.chance(0.1) ? rng.next(below: 4) : 0)))
        case .login:
            json.field("method", pick(v.loginMethods, &rng))
            json.field("mfa", rng.chance(0.6))
        case .logout:
            json.field("reason", pick(v.logoutReasons, &rng))
        case .role:
            json.field("role", pick(v.roles, &rng))
            json.field("actor", Self.userPrefix, suffix: Int64(1 + rng.next(below: EventModel.userCount)), width: 6)
        case .setting:
            json.field("setting", pick(v.settings, &rng))
        case .invite:
            json.field("role", pick(v.roles, &rng))
            json.field("invitee_domain", rng.chance(0.7) ? v.exampleDomain : v.gmailDomain)
        case .apiKey:
            json.field("scopes", pick(v.scopes, &rng))
        case .loginFailed:
            json.field("method", pick(v.loginMethods, &rng))
            json.field("reason", pick(v.failReasons, &rng))
        case .passwordReset:
            json.field("channel", pick(v.resetChannels, &rng))
        case .mfa:
            json.field("factor", pick(v.mfaFactors, &rng))
            json.field("success", rng.chance(0.93))
        case .permissionDenied:
            json.field("resource", pick(v.resources, &rng))
            json.field("action", pick(v.actions, &rng))
        case .sessionTimeout:
            json.field("idle_minutes", Int64(15 + 15 * rng.next(below: 4)))
        case .email:
            json.field("template", pick(v.templates, &rng))
            json.field("provider", pick(v.providers, &rng))
        case .emailBounced:
            json.field("template", pick(v.templates, &rng))
            json.field("provider", pick(v.providers, &rng))
            json.field("bounce", rng.chance(0.6) ? v.hard : v.soft)
        case .error:
            json.field("service", pick(v.services, &rng))
            json.field("code", Self.errorCodePrefix, suffix: Int64(1000 + rng.next(below: 90)))
        }
        json.close()
    }
    private static let errorCodePrefix = Array("E".utf8)
}

/// Writes a flat JSON object of ASCII keys and values that need no escaping; inside a quoted CSV
/// field every `"` is doubled.
struct JSONEmitter {
    let out: OutputBuffer
    let doubledQuotes: Bool
    private var first = true

    init(out: OutputBuffer, doubledQuotes: Bool) {
        self.out = out
        self.doubledQuotes = doubledQuotes
    }

    private func quote() {
        out.byte(34)
        if doubledQuotes { out.byte(34) }
    }

    func open() { out.byte(123) }
    func close() { out.byte(125) }

    private mutating func key(_ name: StaticString) {
        if !first { out.byte(44) }
        first = false
        quote()
        name.withUTF8Buffer { out.bytes($0) }
        quote()
        out.byte(58)
    }

    mutating func field(_ name: StaticString, _ value: [UInt8]) {
        key(name); quote(); out.bytes(value); quote()
    }

    /// A string value made of `prefix` followed by `suffix` in decimal (zero-padded to `width`).
    mutating func field(_ name: StaticString, _ prefix: [UInt8], suffix: Int64, width: Int = 1) {
        key(name); quote(); out.bytes(prefix); out.decimal(suffix, width: width); quote()
    }

    mutating func field(_ name: StaticString, _ value: Int64) {
        key(name); out.decimal(value)
    }

    mutating func field(_ name: StaticString, _ value: Bool) {
        key(name); out.bytes(value ? Self.trueBytes : Self.falseBytes)
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
}

/// The first error thrown by any of several concurrent workers.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?

    func record(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if first == nil { first = error }
    }

    var error: Error? {
        lock.lock(); defer { lock.unlock() }
        return first
    }
}

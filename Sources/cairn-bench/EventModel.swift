/// The vocabulary of the generated event log: tenants, users, event types, URLs, user agents and
/// the per-type shape of the JSON metadata. Everything here is fixed or derived from the seed.

/// One kind of event with its share of traffic and its latency profile.
struct EventType {
    let name: String
    /// Relative frequency (percent of all events).
    let weight: Double
    /// Median latency in milliseconds; latencies are log-normal around it.
    let medianMs: Double
    /// Standard deviation of log(latency).
    let sigma: Double
    /// Whether rows of this type carry a URL.
    let hasURL: Bool
}

enum EventModel {
    static let tenantCount = 200
    static let userCount = 200_000
    /// Zipf exponents: tenant popularity, user activity within a tenant, URL popularity.
    static let tenantSkew = 1.0
    static let userSkew = 0.9
    static let urlSkew = 1.1
    /// Share of rows written out of timestamp order, and how far back their timestamps reach.
    static let lateArrivalShare = 0.03
    static let maxLatenessMicros: Int64 = 4 * 3_600_000_000
    /// Share of page views by signed-out visitors (NULL user_id).
    static let anonymousPageViewShare = 0.08

    static let types: [EventType] = [
        // activity
        EventType(name: "page_view", weight: 55, medianMs: 120, sigma: 0.6, hasURL: true),
        EventType(name: "api_call", weight: 15, medianMs: 45, sigma: 0.8, hasURL: true),
        EventType(name: "search", weight: 3, medianMs: 250, sigma: 0.7, hasURL: false),
        EventType(name: "export_created", weight: 0.5, medianMs: 1800, sigma: 0.9, hasURL: false),
        EventType(name: "file_uploaded", weight: 1.0, medianMs: 900, sigma: 0.9, hasURL: false),
        EventType(name: "file_downloaded", weight: 1.5, medianMs: 400, sigma: 0.8, hasURL: false),
        EventType(name: "webhook_delivered", weight: 1.0, medianMs: 300, sigma: 0.8, hasURL: false),
        // audit
        EventType(name: "login", weight: 4, medianMs: 180, sigma: 0.5, hasURL: false),
        EventType(name: "logout", weight: 2.5, medianMs: 30, sigma: 0.5, hasURL: false),
        EventType(name: "role_granted", weight: 0.2, medianMs: 60, sigma: 0.5, hasURL: false),
        EventType(name: "role_revoked", weight: 0.1, medianMs: 60, sigma: 0.5, hasURL: false),
        EventType(name: "settings_changed", weight: 0.5, medianMs: 80, sigma: 0.5, hasURL: false),
        EventType(name: "user_invited", weight: 0.3, medianMs: 120, sigma: 0.5, hasURL: false),
        EventType(name: "api_key_created", weight: 0.1, medianMs: 70, sigma: 0.5, hasURL: false),
        // security
        EventType(name: "login_failed", weight: 1.5, medianMs: 160, sigma: 0.5, hasURL: false),
        EventType(name: "password_reset", weight: 0.3, medianMs: 220, sigma: 0.5, hasURL: false),
        EventType(name: "mfa_challenge", weight: 1.5, medianMs: 350, sigma: 0.6, hasURL: false),
        EventType(name: "permission_denied", weight: 0.8, medianMs: 15, sigma: 0.5, hasURL: false),
        EventType(name: "session_timeout", weight: 0.5, medianMs: 5, sigma: 0.4, hasURL: false),
        // email
        EventType(name: "email_sent", weight: 5, medianMs: 400, sigma: 0.7, hasURL: false),
        EventType(name: "email_opened", weight: 2.5, medianMs: 400, sigma: 0.7, hasURL: false),
        EventType(name: "email_clicked", weight: 1.0, medianMs: 400, sigma: 0.7, hasURL: false),
        EventType(name: "email_bounced", weight: 0.2, medianMs: 400, sigma: 0.7, hasURL: false),
        // errors
        EventType(name: "error_4xx", weight: 1.5, medianMs: 25, sigma: 0.8, hasURL: true),
        EventType(name: "error_5xx", weight: 0.5, medianMs: 1200, sigma: 1.0, hasURL: true),
    ]

    static func typeIndex(_ name: String) -> Int { types.firstIndex { $0.name == name } ?? 0 }

    /// User agents with the browser name page-view metadata reports for them.
    static let userAgents: [(agent: String, browser: String)] = {
        var list: [(String, String)] = []
        let platforms = ["Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64",
                         "iPhone; CPU iPhone OS 17_5 like Mac OS X", "Linux; Android 14; Pixel 8"]
        for version in [124, 125, 126, 127] {
            for p in platforms {
                list.append(("Mozilla/5.0 (\(p)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(version).0.0.0 Safari/537.36", "Chrome"))
            }
        }
        for version in [126, 127, 128] {
            for p in platforms.prefix(3) {
                list.append(("Mozilla/5.0 (\(p); rv:\(version).0) Gecko/20100101 Firefox/\(version).0", "Firefox"))
            }
        }
        for version in ["17.4", "17.5"] {
            list.append(("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/\(version) Safari/605.1.15", "Safari"))
            list.append(("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/\(version) Mobile/15E148 Safari/604.1", "Safari"))
        }
        for version in [125, 126] {
            list.append(("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(version).0.0.0 Safari/537.36 Edg/\(version).0.0.0", "Edge"))
        }
        list.append(("curl/8.5.0", "curl"))
        list.append(("python-requests/2.32.3", "python-requests"))
        list.append(("Go-http-client/2.0", "Go-http-client"))
        return list
    }()

    /// Page and API paths, most popular first (URL choice is Zipf over this order).
    static let pageURLs: [String] = {
        var urls = ["/app/dashboard", "/app/inbox", "/app/search", "/app/settings", "/app/billing", "/app/users", "/"]
        for id in 1...330 {
            urls += ["/app/projects/\(id)", "/app/projects/\(id)/board", "/app/projects/\(id)/settings",
                     "/app/reports/\(id)", "/app/documents/\(id)", "/docs/article-\(id)"]
        }
        return urls
    }()

    static let apiURLs: [String] = {
        var urls = ["/api/v1/events", "/api/v1/me", "/api/v2/search", "/api/v1/notifications", "/api/v1/health"]
        for id in 1...200 {
            urls += ["/api/v1/projects/\(id)", "/api/v1/projects/\(id)/items", "/api/v1/users/\(id)",
                     "/api/v1/reports/\(id)/export", "/api/v2/documents/\(id)"]
        }
        return urls
    }()

    static let countries = ["US", "DE", "GB", "FR", "IN", "BR", "JP", "CA", "NL", "ES", "AU", "SE", "PL", "IT", "MX"]
    static let countryWeights: [Double] = [30, 12, 9, 7, 7, 5, 5, 5, 4, 4, 3, 3, 2, 2, 2]
    static let referrers = ["direct", "google.com", "bing.com", "duckduckgo.com", "github.com", "news.ycombinator.com",
                            "linkedin.com", "t.co", "slack.com", "email"]
    static let apiClients = ["sdk-python/2.3.1", "sdk-node/4.1.0", "sdk-go/1.9.2", "terraform/1.8", "cli/0.14.2", "zapier"]
    static let httpMethods = ["GET", "GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE"]
    static let exportFormats = ["csv", "xlsx", "pdf", "json"]
    static let contentTypes = ["application/pdf", "image/png", "image/jpeg", "text/csv",
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"]
    static let loginMethods = ["password", "password", "password", "sso", "sso", "magic_link", "passkey"]
    static let logoutReasons = ["user", "user", "user", "expired", "admin"]
    static let failReasons = ["bad_password", "bad_password", "bad_password", "unknown_user", "locked", "mfa_timeout"]
    static let resetChannels = ["email", "email", "sms"]
    static let mfaFactors = ["totp", "totp", "webauthn", "sms"]
    static let roles = ["viewer", "editor", "admin", "billing", "owner"]
    static let settings = ["timezone", "language", "notifications", "theme", "sso", "retention", "2fa_policy"]
    static let scopes = ["read", "read,write", "admin"]
    static let resources = ["project", "report", "billing", "user", "api_key", "document"]
    static let actions = ["read", "update", "delete", "export", "invite"]
    static let templates = ["welcome", "digest", "invite", "password_reset", "invoice", "alert", "weekly_report"]
    static let providers = ["ses", "sendgrid", "postmark", "mailgun"]
    static let services = ["api", "billing", "search", "auth", "exports", "notifications", "storage"]
    static let clientErrors: [Int64] = [400, 401, 403, 404, 404, 404, 409, 422, 429]
    static let serverErrors: [Int64] = [500, 500, 500, 502, 503, 503, 504]
}

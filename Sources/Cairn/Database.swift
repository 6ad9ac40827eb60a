@_exported import struct CairnFormat.CairnError
@_exported import struct CairnFormat.SourceLocation
@_exported import enum CairnFormat.Value
@_exported import enum CairnFormat.ColumnType
import CairnTables

/// An embedded Cairn database: a directory of tables, opened by one writer process and any number
/// of read-only processes.
///
/// A `Database` is `Sendable`: share one instance between tasks. Queries see the snapshot that
/// existed when they started, even while another task appends.
///
/// ```swift
/// let db = try Database(path: "/var/lib/app/events.cairn")
/// try db.execute("CREATE TABLE IF NOT EXISTS events (ts TIMESTAMP NOT NULL, tenant_id VARCHAR, kind VARCHAR) PARTITION BY day(ts)")
/// try db.execute("INSERT INTO events VALUES ($1, $2, $3)", [.timestamp(t), .string("acme"), .string("login")])
/// for row in try db.query("SELECT kind, count(*) FROM events GROUP BY kind") { print(row) }
/// ```
public final class Database: Sendable {
    /// How a database is opened.
    public enum Mode: Sendable {
        /// Takes the directory's write lock; fails with ``CairnError/Code/locked`` if another process holds it.
        case readWrite
        /// No lock; sees what was committed when it opened, and catches up whenever the writer replaces
        /// the manifest (checkpoints, compactions); writes fail with ``CairnError/Code/readOnly``.
        case readOnly
    }

    /// When an acknowledged write reaches stable storage.
    public enum Durability: Sendable, Hashable {
        /// `fsync` the write-ahead log before every commit returns (default). Survives power loss.
        case fsync
        /// Commits return once written to the OS; the log is `fsync`ed at most every `milliseconds`.
        /// Survives a process crash; a power failure can lose the last interval.
        case groupCommit(milliseconds: Int)
        /// Never `fsync` the log. Survives a process crash only.
        case none
    }

    /// Options for opening a database.
    public struct Options: Sendable {
        /// When commits reach stable storage; `.fsync` by default.
        public var durability: Durability = .fsync
        /// How often a read-write database applies retention and merges small segments in the
        /// background; nil turns that off (`VACUUM` and `COMPACT` still do it on demand). One minute by default.
        public var maintenanceInterval: Duration? = .seconds(60)
        /// The wall clock, in microseconds since 1970-01-01 UTC: what `now()` returns and what retention
        /// measures age against. Inject one to test time-dependent behaviour.
        public var clock: @Sendable () -> Int64 = Database.systemClock

        /// Options with the given durability, background maintenance interval and clock.
        public init(durability: Durability = .fsync, maintenanceInterval: Duration? = .seconds(60),
                    clock: @escaping @Sendable () -> Int64 = Database.systemClock) {
            self.durability = durability
            self.maintenanceInterval = maintenanceInterval
            self.clock = clock
        }
    }

    /// The system's real-time clock in microseconds since 1970-01-01 UTC.
    public static let systemClock: @Sendable () -> Int64 = { EngineOptions.systemNow() }

    let core: DatabaseCore

    /// Opens the database in directory `path`, creating it if it does not exist (read-write mode only).
    /// - Throws: ``CairnError`` with code `.locked`, `.corrupt`, `.unsupportedVersion` or `.io`.
    public init(path: String, mode: Mode = .readWrite, options: Options = Options()) throws {
        core = try DatabaseCore(path: path, mode: mode, options: options)
    }

    /// Runs one or more `;`-separated statements and returns the result of the last one.
    ///
    /// `parameters` bind `$1`, `$2`, … (or `?` in order). `progress`, if given, is called with the
    /// fraction done (0…1) during long `COPY`s and scans.
    /// - Throws: ``CairnError``; syntax and binder errors carry ``CairnError/location``.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [Value] = [],
                        progress: (@Sendable (Double) -> Void)? = nil) throws -> QueryResult {
        try core.execute(sql, parameters, progress: progress)
    }

    /// Runs a query with positional parameters and returns its rows.
    public func query(_ sql: String, _ parameters: Value...) throws -> QueryResult {
        try core.execute(sql, parameters, progress: nil)
    }

    /// Cancels the statement that is running now, if any: it throws ``CairnError/Code/cancelled``.
    /// Safe to call from a signal handler's dispatch source or another task.
    public func interrupt() { core.interrupt() }

    /// Names of all tables, sorted.
    public var tableNames: [String] { core.tableNames }

    /// The `CREATE TABLE` statement that recreates `table`'s schema, followed by a `CREATE INDEX` statement per
    /// index (with the options it was built with), or nil if there is no such table.
    public func tableDefinition(_ table: String) -> String? { core.tableDefinition(table) }

    /// The error of the last background maintenance pass (retention and compaction), nil when it
    /// succeeded or none has run. Passes go on after an error; a full disk, say, clears when space returns.
    public var lastMaintenanceError: CairnError? { core.engine.lastMaintenanceError }

    /// Flushes buffered rows to segments and releases the write lock. Further calls fail.
    public func close() { core.close() }
}

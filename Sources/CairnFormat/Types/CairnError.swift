/// A position in SQL text, 1-based.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column, in characters of the line.
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    /// `line L, column C`.
    public var description: String { "line \(line), column \(column)" }
}

/// Every error Cairn throws: what went wrong (``Code``), a message, and where.
///
/// `where` is whichever applies: a SQL position (``location``), a file and byte offset
/// (``file``/``offset``), or an input line and column of a `COPY` (``file``/``line``/``column``).
public struct CairnError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; switch on it to decide how to react.
    public enum Code: String, Sendable, Hashable {
        /// Malformed SQL.
        case syntax
        /// Well-formed SQL that names something that does not exist or cannot be used that way.
        case binder
        /// A value of the wrong type, or a conversion that failed.
        case type
        /// A constraint such as NOT NULL was violated.
        case constraint
        /// A table or other object already exists.
        case alreadyExists
        /// A table or other object does not exist.
        case notFound
        /// Malformed input data (COPY, appender, parameters).
        case invalidInput
        /// The database directory is held by another writer process.
        case locked
        /// The database was opened read-only.
        case readOnly
        /// A file failed a checksum, has a bad magic number, or is truncated.
        case corrupt
        /// A file has a format version this build does not understand.
        case unsupportedVersion
        /// The operating system reported an I/O error (disk full, permission, …).
        case io
        /// The statement was cancelled.
        case cancelled
        /// SQL that is valid elsewhere but not supported by Cairn.
        case unsupported
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation naming the object involved.
    public var message: String
    /// Position in the SQL text, for syntax and binder errors.
    public var location: SourceLocation?
    /// The file involved, for I/O, corruption and COPY errors.
    public var file: String?
    /// Byte offset in ``file``.
    public var offset: Int?
    /// 1-based line in an input file (COPY).
    public var line: Int?

    public init(_ code: Code, _ message: String, location: SourceLocation? = nil,
                file: String? = nil, offset: Int? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.file = file
        self.offset = offset
        self.line = line
    }

    /// The message prefixed with its location: `line 1, column 8: …` or `file.csv:52: …`.
    public var description: String {
        var prefix = ""
        if let location { prefix = "\(location): " }
        if let file {
            prefix += file
            if let line { prefix += ":\(line)" }
            if let offset { prefix += " at offset \(offset)" }
            prefix += ": "
        }
        return prefix + message
    }

    /// This error pointing at `p` unless it already has a location.
    package func at(line: Int, column: Int) -> CairnError {
        var e = self
        if e.location == nil { e.location = SourceLocation(line: line, column: column) }
        return e
    }

    package static func corrupt(_ file: String, offset: Int? = nil, _ message: String) -> CairnError {
        CairnError(.corrupt, message, file: file, offset: offset)
    }
}

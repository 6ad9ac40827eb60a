import CairnFormat
import CairnLog
import CairnVector
import Synchronization

/// The storage engine of one database directory: catalog, write-ahead log, in-memory head and
/// segment files (layout in docs/format.md §6).
///
/// Thread-safe. Two locks, always taken in this order:
/// - `maintenance` serializes everything that rewrites the manifest (DDL, checkpoints, bulk-load
///   commits). It is held across slow work such as writing segments.
/// - `state` guards the in-memory state and is held only briefly, so snapshots and appends never
///   wait for a flush to finish writing segments.
package final class Engine: Sendable {
    package let path: String
    package let readOnly: Bool
    package let options: EngineOptions
    let readers = SegmentReaderCache()
    let vectorIndexes = VectorIndexCache()
    /// Holds the vectors of logged deletion files too, which are not on disk yet.
    let deletions: DeletionCache
    let manifestEncoder = ManifestEncoder()
    let reclaimer: FileReclaimer
    let state: Mutex<EngineState>
    let maintenance = Mutex<Void>(())
    /// Binds retention predicates; installed by the query layer (see ``installExpiryBinder(_:)``).
    let expiryBinder = Mutex<ExpiryBinder?>(nil)
    let background = Mutex<BackgroundMaintenance?>(nil)
    let maintenanceThread = MaintenanceThread()
    /// Read-only engines: the writer's state (manifest and log files) their state was loaded from
    /// (see ``snapshot()``).
    private let loadedWriterState = Mutex<[Int64]?>(nil)

    var walDirectory: String { path + "/wal" }

    private init(path: String, readOnly: Bool, options: EngineOptions, state: sending EngineState, deletions: DeletionCache) {
        self.path = path
        self.deletions = deletions
        self.readOnly = readOnly
        self.options = options
        self.state = Mutex(state)
        let readers = self.readers, deletions = self.deletions, indexes = self.vectorIndexes
        reclaimer = FileReclaimer { path in
            readers.evict(path: path)
            deletions.forget(path: path)
            indexes.forget(path: path)
        }
    }

    deinit {
        maintenanceThread.stop()
        state.withLock { $0.wal?.close() }
    }

    /// Opens (read-write: creating if missing) the database in directory `path`.
    ///
    /// Read-write: takes the directory lock, repairs a torn log tail, deletes files the manifest does
    /// not name (leftovers of interrupted flushes and bulk loads) and starts a new log file.
    /// Read-only: takes no lock and changes nothing; the head is rebuilt from the log in memory.
    /// - Throws: `.locked`, `.notFound` (read-only and missing), `.corrupt`, `.unsupportedVersion`, `.io`.
    package static func open(path: String, readOnly: Bool, options: EngineOptions) throws(CairnError) -> Engine {
        var lock: DirectoryLock?
        if readOnly {
            guard DirectoryIO.isDirectory(path) else {
                throw CairnError(.notFound, "database directory \"\(path)\" does not exist", file: path)
            }
        } else {
            try DirectoryIO.createAll(path)
            lock = try DirectoryLock(directory: path)
            try DirectoryIO.createAll(path + "/wal")
            try DirectoryIO.createAll(path + "/tables")
        }
        // BLAS is opened here, on the caller's thread, before the low-priority maintenance thread exists:
        // OpenBLAS's worker threads inherit the priority of the thread that starts them.
        BLAS.useDefault()
        let deletions = DeletionCache()
        let (loaded, writerState) = readOnly ? try loadFromWriter(path: path, deletions: deletions)
            : (try loadState(path: path, readOnly: false, deletions: deletions), nil)
        var state = loaded
        if !readOnly {
            try removeOrphans(directory: path, catalog: state.published)
            state.lock = lock
            state.wal = try WALWriter(directory: path + "/wal", sequence: state.nextWALSequence,
                                      durability: options.durability.wal)
        }
        let logged = !state.loggedDeletions.isEmpty
        let engine = Engine(path: path, readOnly: readOnly, options: options, state: state, deletions: deletions)
        engine.loadedWriterState.withLock { $0 = writerState }
        if logged && !readOnly { engine.scheduleFold() }
        return engine
    }

    /// Reads the manifest and replays the log. A read-only open races the writer's checkpoints, which
    /// delete log files after publishing a newer manifest; if a log file vanishes under it, it starts over
    /// from the newer manifest.
    private static func loadState(path: String, readOnly: Bool, deletions: DeletionCache) throws(CairnError) -> EngineState {
        var attempt = 0
        while true {
            attempt += 1
            do throws(CairnError) {
                let catalog: Catalog
                if let stored = try ManifestFile.read(Catalog.self, directory: path) {
                    guard Catalog.readableFormatVersions.contains(stored.formatVersion) else {
                        throw CairnError(.unsupportedVersion, "database format version \(stored.formatVersion) is not "
                                         + "supported (this build reads versions \(Catalog.readableFormatVersions.lowerBound)"
                                         + " to \(Catalog.readableFormatVersions.upperBound))",
                                         file: path + "/" + ManifestFile.fileName)
                    }
                    catalog = stored
                } else {
                    catalog = Catalog()
                    if !readOnly { try ManifestFile.write(catalog, directory: path) }
                }
                var state = EngineState(catalog: catalog)
                let lastSequence = try replayLog(into: &state, database: path, deletions: deletions, repair: !readOnly)
                state.nextWALSequence = max(lastSequence + 1, catalog.walStart)
                return state
            } catch where readOnly && error.code == .notFound && attempt < 5 {
                continue
            }
        }
    }

    /// Flushes the head to segments (read-write), closes the log and releases the directory lock.
    /// Later writes fail; snapshots already taken stay readable.
    package func close() {
        stopBackgroundMaintenance()
        maintenanceThread.stop()
        // Under the maintenance lock, so that no manifest replacement (a fold of logged deletes, say)
        // can start after the directory lock is released.
        maintenance.withLock { _ in
            if !readOnly && !state.withLock({ $0.closed }) { try? checkpointLocked() }
            state.withLock { s in
                s.closed = true
                s.wal?.close()
                s.wal = nil
                s.lock = nil
            }
        }
    }

    /// The current committed state. Cheap: copies references only.
    ///
    /// A read-only engine first reloads its state if the writer has committed since (replaced the
    /// manifest or appended to the log), so it sees every row committed by then.
    package func snapshot() -> Snapshot {
        if readOnly { refreshFromWriter() }
        return currentSnapshot()
    }

    private func currentSnapshot() -> Snapshot {
        state.withLock { $0.snapshot(directory: path, readers: readers, indexes: vectorIndexes, deletions: deletions,
                                     lease: reclaimer.lease()) }
    }

    /// Reloads a read-only engine's catalog and head when the writer committed since; keeps the old
    /// state if the reload fails (the next snapshot tries again).
    private func refreshFromWriter() {
        guard Self.writerState(path) != loadedWriterState.withLock({ $0 }),
              let (fresh, writerState) = try? Self.loadFromWriter(path: path, deletions: deletions) else { return }
        state.withLock { s in
            guard !s.closed else { return }
            s.catalog = fresh.catalog
            s.published = fresh.published
            s.heads = fresh.heads
            s.nextSegmentID = fresh.nextSegmentID
        }
        loadedWriterState.withLock { $0 = writerState }
    }

    /// A read-only load and the writer's state it reflects.
    ///
    /// A load reads the manifest, then the log. A checkpoint committed in between names segments the
    /// load did not see and deletes log files it has not read yet, losing rows from the view; so a load
    /// counts only if the writer's state was the same before and after it, and is otherwise repeated.
    /// After four unsettled tries the last load is returned with no state (nil), which makes the next
    /// snapshot load again; it is at least as new as any before it.
    private static func loadFromWriter(path: String, deletions: DeletionCache) throws(CairnError) -> (EngineState, [Int64]?) {
        var before = writerState(path)
        var attempts = 1
        while true {
            let state = try loadState(path: path, readOnly: true, deletions: deletions)
            let after = writerState(path)
            if after == before { return (state, before) }
            if attempts == 4 { return (state, nil) }
            attempts += 1
            before = after
        }
    }

    /// The manifest's identity and each log file's sequence and size: any commit changes one of them.
    private static func writerState(_ path: String) -> [Int64]? {
        guard let manifest = ManifestFile.identity(directory: path) else { return nil }
        return manifest + WALReader.identity(directory: path + "/wal")
    }

    /// Throws unless this engine accepts writes.
    func checkWritable() throws(CairnError) {
        if readOnly { throw CairnError(.readOnly, "database \"\(path)\" is open read-only") }
    }
}

extension EngineState {
    /// Throws if the engine was closed.
    func checkOpen(_ path: String) throws(CairnError) {
        if closed { throw CairnError(.io, "database \"\(path)\" is closed") }
    }
}

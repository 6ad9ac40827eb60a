#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat
import CairnLog
import CairnVector

/// What ``Engine/backup(to:)`` copied.
package struct BackupReport: Sendable, Equatable {
    package var files = 0
    package var bytes = 0
    /// Files hard-linked rather than copied (same file system).
    package var linked = 0
}

/// One problem ``Engine/check()`` found: the file (relative to the database) and what is wrong.
package struct IntegrityProblem: Sendable, Equatable {
    package var file: String
    package var message: String
}

/// What ``Engine/check()`` verified.
package struct IntegrityReport: Sendable, Equatable {
    package var filesChecked = 0
    package var blocksChecked = 0
    package var problems: [IntegrityProblem] = []
}

extension Engine {
    /// Writes a consistent copy of the database as of now into `target` (which must not exist, or be
    /// an empty directory) while writes go on: the head is checkpointed, the manifest copied, and every
    /// file it names hard-linked (copied across file systems). Segment, list, deletion and centroid
    /// files are immutable, so sharing them is safe; a lease keeps them from being reclaimed until the
    /// copy is done. The backup opens as a normal database with no log to replay.
    /// - Throws: `.alreadyExists` (target not empty), `.io` (the partial backup is removed).
    package func backup(to target: String) throws(CairnError) -> BackupReport {
        try checkWritable()
        if DirectoryIO.exists(target) {
            guard DirectoryIO.isDirectory(target), try DirectoryIO.entries(target).isEmpty else {
                throw CairnError(.alreadyExists, "backup target \"\(target)\" exists and is not an empty directory", file: target)
            }
        }
        let (catalog, lease) = try maintenance.withLock { (_) throws(CairnError) -> (Catalog, SnapshotLease) in
            try checkpointLocked()
            // The manifest on disk: after the checkpoint it includes every logged delete.
            return state.withLock { ($0.published, reclaimer.lease()) }
        }
        defer { withExtendedLifetime(lease) {} }
        var report = BackupReport()
        do throws(CairnError) {
            try DirectoryIO.createAll(target + "/wal")
            try DirectoryIO.createAll(target + "/tables")
            var directories = Set<String>()
            for file in catalog.files {
                let destination = target + "/" + file
                if let slash = destination.lastIndex(of: "/") {
                    let directory = String(destination[..<slash])
                    if directories.insert(directory).inserted { try DirectoryIO.createAll(directory) }
                }
                let source = path + "/" + file
                // Only a list file may be missing (its lists were computed in memory); anything else is damage.
                if !DirectoryIO.exists(source) && file.hasSuffix(".ivl") { continue }
                if link(source, destination) == 0 {
                    report.linked += 1
                } else {
                    try writeFileAtomically(destination, try FileIO.readAll(source))
                }
                report.files += 1
                report.bytes += Self.fileSize(source)
            }
            for directory in directories { try DirectoryIO.sync(directory) }
            var copy = catalog
            copy.formatVersion = Catalog.currentFormatVersion
            try ManifestFile.write(copy, directory: target)
            report.files += 1
        } catch {
            try? DirectoryIO.removeTree(target)
            throw error
        }
        return report
    }

    /// Verifies every checksum in the database: the manifest, every block of every segment (decoded),
    /// deletion files, IVF centroid and list files, and the records of the log. Problems are reported
    /// by file; nothing is repaired or changed.
    ///
    /// A read-write engine also reports files under `tables/` that the manifest does not name and no
    /// snapshot still reads (orphans; the next read-write open deletes them).
    package func check() -> IntegrityReport {
        var report = IntegrityReport()
        func problem(_ file: String, _ error: CairnError) {
            report.problems.append(IntegrityProblem(file: file, message: (error.offset.map { "at offset \($0): " } ?? "") + error.message))
        }
        // The catalog of the manifest on disk (logged deletes are checked as log records), with a lease so
        // that compaction cannot delete its files while they are read.
        let (catalog, lease, orphans) = maintenance.withLock { _ -> (Catalog, SnapshotLease, [String]) in
            let (catalog, lease) = state.withLock { ($0.published, reclaimer.lease()) }
            guard !readOnly else { return (catalog, lease, []) }
            let named = Set(catalog.files)
            let orphans = ((try? Self.filesBelow(path, "tables")) ?? []).filter { !named.contains($0) && !reclaimer.isPending(path + "/" + $0) }
            return (catalog, lease, orphans)
        }
        defer { withExtendedLifetime(lease) {} }
        for file in orphans {
            report.problems.append(IntegrityProblem(file: file, message: "not named by the manifest (an orphan, "
                                                    + "deleted at the next read-write open)"))
        }
        do throws(CairnError) {
            if try ManifestFile.read(Catalog.self, directory: path) == nil {
                report.problems.append(IntegrityProblem(file: ManifestFile.fileName, message: "the manifest is missing"))
            }
            report.filesChecked += 1
        } catch {
            problem(ManifestFile.fileName, error)
        }
        // Deletion files are read anew, not from the engine's cache, so their checksums are verified.
        let fresh = DeletionCache()
        var checkedDeletionFiles = Set<String>()
        for table in catalog.tables {
            for index in table.schema.indexes {
                let file = VectorIndexDefinition.centroidFile(tableID: table.id, generation: index.generation)
                do throws(CairnError) {
                    _ = try IVFCentroids.parse(try FileIO.readAll(path + "/" + file), path: path + "/" + file)
                    report.filesChecked += 1
                } catch { problem(file, error) }
            }
            for segment in table.partitions.flatMap(\.segments) {
                let reader: SegmentReader
                do throws(CairnError) {
                    reader = try SegmentReader(path: path + "/" + segment.file)
                    report.filesChecked += 1
                } catch {
                    problem(segment.file, error)
                    continue
                }
                if reader.rowCount != segment.summary.rowCount {
                    report.problems.append(IntegrityProblem(file: segment.file, message: "segment holds \(reader.rowCount) rows "
                                                            + "but the manifest records \(segment.summary.rowCount)"))
                }
                blocks: for column in reader.columnIDs {
                    for block in 0..<reader.blockCount {
                        do throws(CairnError) {
                            _ = try reader.read(column: column, block: block)
                            report.blocksChecked += 1
                        } catch {
                            problem(segment.file, error)
                            break blocks
                        }
                    }
                }
                if let d = segment.deletes {
                    let file = SegmentDeletes.file(segmentFile: segment.file, generation: d.generation)
                    do throws(CairnError) {
                        _ = try fresh.vector(directory: path, segment: segment)
                        if checkedDeletionFiles.insert(file).inserted { report.filesChecked += 1 }
                    } catch { problem(file, error) }
                }
                for index in table.schema.indexes {
                    let file = VectorIndexDefinition.listFile(segmentFile: segment.file, generation: index.generation)
                    guard DirectoryIO.exists(path + "/" + file) else { continue }
                    do throws(CairnError) {
                        _ = try IVFLists.parse(try FileIO.readAll(path + "/" + file), path: path + "/" + file,
                                               generation: index.generation, rowCount: segment.summary.rowCount)
                        report.filesChecked += 1
                    } catch { problem(file, error) }
                }
            }
        }
        // The log is replayed into a scratch state as an open would, so a record that cannot apply to
        // the manifest's segments is reported here and not only when the database is next opened.
        do throws(CairnError) {
            var scratch = EngineState(catalog: catalog)
            let scratchDeletions = DeletionCache()
            for sequence in try WALReader.sequences(in: walDirectory) where sequence >= catalog.walStart {
                let file = "wal/" + WALFormat.fileName(sequence: sequence)
                do throws(CairnError) {
                    try Self.replayLogFile(sequence, into: &scratch, database: path, deletions: scratchDeletions, repair: false)
                    report.filesChecked += 1
                } catch where error.code == .notFound {
                    continue  // a checkpoint finished meanwhile and deleted it
                } catch { problem(file, error) }
            }
        } catch { problem("wal", error) }
        return report
    }

    /// Regular files below `root/relative`, as paths relative to `root`.
    private static func filesBelow(_ root: String, _ relative: String) throws(CairnError) -> [String] {
        var out: [String] = []
        for name in try DirectoryIO.entries(root + "/" + relative) {
            let child = relative + "/" + name
            if DirectoryIO.isDirectory(root + "/" + child) { out.append(contentsOf: try filesBelow(root, child)) } else { out.append(child) }
        }
        return out
    }

    private static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }
}

import CairnFormat
import Synchronization

/// Deletes files that the committed manifest no longer names (segments replaced by compaction,
/// superseded deletion files, dropped partitions) once no snapshot that might still read them is alive.
///
/// Invariant: every snapshot holds a ``SnapshotLease`` taken at the epoch of the catalog it copied, in
/// the same critical section; ``retire(_:)`` runs after the manifest without the files is installed and
/// starts a new epoch, so files retired at epoch `e` are deleted only when no lease of an epoch ≤ `e`
/// remains. Files left behind by a crash are orphans, removed at the next open (docs/format.md §6.5).
final class FileReclaimer: Sendable {
    private struct State {
        var epoch: UInt64 = 0
        var leases: [UInt64: Int] = [:]
        var pending: [(epoch: UInt64, paths: [String])] = []
    }
    private let state = Mutex(State())
    /// Called with each path after it is deleted, to drop cached readers of it.
    private let removed: @Sendable (String) -> Void

    init(removed: @escaping @Sendable (String) -> Void) { self.removed = removed }

    /// A lease on the files of the current epoch.
    func lease() -> SnapshotLease {
        let epoch = state.withLock { s in
            s.leases[s.epoch, default: 0] += 1
            return s.epoch
        }
        return SnapshotLease(reclaimer: self, epoch: epoch)
    }

    /// Schedules `paths` (absolute) for deletion once the snapshots that might read them are gone.
    func retire(_ paths: [String]) {
        guard !paths.isEmpty else { return }
        state.withLock { s in
            s.pending.append((s.epoch, paths))
            s.epoch += 1
        }
        reclaim()
    }

    /// Whether `path` is retired but still waiting for readers to finish.
    func isPending(_ path: String) -> Bool { state.withLock { $0.pending.contains { $0.paths.contains(path) } } }

    fileprivate func release(epoch: UInt64) {
        state.withLock { s in
            s.leases[epoch, default: 1] -= 1
            if s.leases[epoch] == 0 { s.leases[epoch] = nil }
        }
        reclaim()
    }

    private func reclaim() {
        let due = state.withLock { s -> [String] in
            let oldestLease = s.leases.keys.min() ?? UInt64.max
            var due: [String] = []
            s.pending.removeAll { entry in
                guard entry.epoch < oldestLease else { return false }
                due.append(contentsOf: entry.paths)
                return true
            }
            return due
        }
        for path in due {
            FileIO.removeIfPresent(path)
            removed(path)
        }
    }
}

/// Keeps the files of one snapshot's catalog on disk while the snapshot is alive.
package final class SnapshotLease: Sendable {
    private let reclaimer: FileReclaimer
    private let epoch: UInt64

    fileprivate init(reclaimer: FileReclaimer, epoch: UInt64) {
        self.reclaimer = reclaimer
        self.epoch = epoch
    }

    deinit { reclaimer.release(epoch: epoch) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat
import Testing
@testable import CairnLog

@Suite struct DirectoryLockTests {
    // flock locks belong to the open file description, so a second open() in this process
    // contends exactly like another process would.
    @Test func secondLockFailsNamingTheHolder() throws {
        let dir = TemporaryDirectory()
        let first = try DirectoryLock(directory: dir.path)
        do {
            _ = try DirectoryLock(directory: dir.path)
            Issue.record("second lock succeeded")
        } catch {
            #expect(error.code == .locked)
            #expect(error.message.contains("pid \(getpid())"))
            #expect(error.message.contains(dir.path))
        }
        withExtendedLifetime(first) {}
    }

    @Test func lockIsReleasedWhenTheHolderGoesAway() throws {
        let dir = TemporaryDirectory()
        do { _ = try DirectoryLock(directory: dir.path) }
        let again = try DirectoryLock(directory: dir.path)
        #expect(again.path == dir.path + "/LOCK")
    }

    @Test func lockHeldByAnotherProcessIsRefused() throws {
        let dir = TemporaryDirectory()
        let flockTool = "/usr/bin/flock"
        guard access(flockTool, X_OK) == 0 else { return }
        let lockPath = dir.path + "/LOCK"
        // The child holds the lock until it reads EOF on its stdin pipe.
        var pipeFDs: [Int32] = [0, 0]
        try #require(pipe(&pipeFDs) == 0)
        var readyFDs: [Int32] = [0, 0]
        try #require(pipe(&readyFDs) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        posix_spawn_file_actions_adddup2(&actions, readyFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        posix_spawn_file_actions_addclose(&actions, readyFDs[0])
        let args = [flockTool, "-x", lockPath, "/bin/sh", "-c", "echo ready; cat > /dev/null"]
        var argv = args.map { strdup($0) } + [nil]
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, flockTool, &actions, nil, &argv, environ)
        argv.forEach { free($0) }
        posix_spawn_file_actions_destroy(&actions)
        close(pipeFDs[0])
        close(readyFDs[1])
        try #require(spawned == 0)
        var ready = [UInt8](repeating: 0, count: 6)
        _ = read(readyFDs[0], &ready, 6)  // blocks until the child holds the lock
        do {
            _ = try DirectoryLock(directory: dir.path)
            Issue.record("lock held by another process was granted")
        } catch {
            #expect(error.code == .locked)
        }
        close(pipeFDs[1])
        close(readyFDs[0])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        _ = try DirectoryLock(directory: dir.path)
    }
}

// A writer process for crash tests: appends numbered batches and prints "ack N" after each
// batch's commit returns. The test kills it with SIGKILL at a random moment and checks that every
// acknowledged batch survived, whole, and that no batch appears in part.
//
// Usage: cairn-crash-writer DB_PATH FIRST_BATCH BATCH_ROWS [CHECKPOINT_EVERY [lifecycle]]
//
// With `lifecycle`, the writer also runs the data-lifecycle operations between batches and acknowledges
// each when it returns: "del N" after deleting the odd `seq` rows of batch N, "backup N PATH" after a
// backup, and it compacts, vacuums and keeps a table `aged` whose rows have all expired.
import Cairn
import Foundation

let args = CommandLine.arguments
guard args.count >= 4, let first = Int(args[2]), let rowsPerBatch = Int(args[3]) else {
    FileHandle.standardError.write(Data("usage: cairn-crash-writer DB FIRST_BATCH BATCH_ROWS [CHECKPOINT_EVERY]\n".utf8))
    exit(2)
}
let checkpointEvery = args.count > 4 ? Int(args[4]) ?? 0 : 0
let lifecycle = args.count > 5 && args[5] == "lifecycle"
// Never outlive the test that started us: a test process that dies would otherwise leave us writing.
let parent = getppid()
Thread.detachNewThread {
    while getppid() == parent { usleep(100_000) }
    _exit(3)
}
// Each ack is written with a direct write(2), so nothing sits in a stdio buffer when the process is killed.
do {
    let db = try Database(path: args[1])
    try db.execute("CREATE TABLE IF NOT EXISTS crash (ts TIMESTAMP NOT NULL, batch BIGINT NOT NULL, seq BIGINT NOT NULL, payload VARCHAR) PARTITION BY day(ts)")
    if lifecycle {
        try db.execute("CREATE TABLE IF NOT EXISTS aged (ts TIMESTAMP NOT NULL, batch BIGINT) PARTITION BY day(ts) RETENTION INTERVAL '30 days'")
    }
    func acknowledge(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
    var batch = first
    while true {
        let appender = try db.appender(for: "crash")
        for seq in 0..<rowsPerBatch {
            // Spread batches over several days so commits touch several partitions.
            try appender.append(timestamp: Int64(1_756_684_800_000_000) + Int64(batch % 5) * 86_400_000_000 + Int64(seq))
            try appender.append(Int64(batch))
            try appender.append(Int64(seq))
            try appender.append(String(repeating: "x", count: 20 + seq % 50))
            try appender.endRow()
        }
        try appender.flush()
        acknowledge("ack \(batch)")
        if checkpointEvery > 0, batch % checkpointEvery == 0 { try db.execute("CHECKPOINT") }
        if lifecycle {
            // Rows of 2020 in a table that keeps 30 days: never visible, dropped by VACUUM and compaction.
            try db.execute("INSERT INTO aged VALUES (TIMESTAMP '2020-01-01 00:00:00' + INTERVAL '\(batch % 9) days', \(batch))")
            if batch % 3 == 2 {
                try db.execute("DELETE FROM crash WHERE batch = \(batch - 1) AND seq % 2 = 1")
                acknowledge("del \(batch - 1)")
            }
            if batch % 4 == 3 { try db.execute("COMPACT crash") }
            if batch % 5 == 4 { try db.execute("VACUUM") }
            if batch % 7 == 6 {
                let target = args[1] + ".backup-\(batch)"
                try db.execute("BACKUP TO '\(target)'")
                acknowledge("backup \(batch) \(target)")
            }
        }
        batch += 1
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

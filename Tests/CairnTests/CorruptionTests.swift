import Cairn
import Foundation
import Testing

/// Damaged files reached through the public API: a clear `CairnError` naming the file, never a crash,
/// and the undamaged data stays readable.
@Suite struct DatabaseCorruptionTests {
    func makeDatabase() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-corrupt-\(UUID().uuidString)").path
        let db = try Database(path: path)
        try db.execute(eventsDDL)
        try db.execute(eventsRows)
        try db.execute("CHECKPOINT")
        db.close()
        return path
    }

    func files(_ root: String, suffix: String) -> [String] {
        let e = FileManager.default.enumerator(atPath: root)
        var out: [String] = []
        while let f = e?.nextObject() as? String {
            if f.hasSuffix(suffix) { out.append(root + "/" + f) }
        }
        return out.sorted()
    }

    @Test func flippedByteInASegmentIsReportedWithItsFile() throws {
        let path = try makeDatabase()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let segment = try #require(files(path, suffix: ".seg").first)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        bytes[bytes.count / 3] ^= 0x5A
        try bytes.write(to: URL(fileURLWithPath: segment))
        let db = try Database(path: path)
        defer { db.close() }
        // Every column is read, so the flipped byte is checked wherever the layout puts it.
        let e = #expect(throws: CairnError.self) { try db.execute("SELECT * FROM events") }
        #expect(e?.code == .corrupt)
        #expect(e?.file?.hasSuffix(".seg") == true)
    }

    @Test func truncatedManifestRefusesToOpen() throws {
        let path = try makeDatabase()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let manifest = path + "/MANIFEST"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: manifest))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: manifest))
        let e = #expect(throws: CairnError.self) { _ = try Database(path: path) }
        #expect(e?.code == .corrupt)
        #expect(e?.file?.hasSuffix("MANIFEST") == true)
    }
}

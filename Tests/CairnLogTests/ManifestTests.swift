import CairnFormat
import Testing
@testable import CairnLog

@Suite struct ManifestTests {
    struct Payload: Codable, Equatable {
        var generation: Int
        var names: [String]
    }

    @Test func missingManifestReadsAsNil() throws {
        let dir = TemporaryDirectory()
        #expect(try ManifestFile.read(Payload.self, directory: dir.path) == nil)
    }

    @Test func writeReplacesAtomically() throws {
        let dir = TemporaryDirectory()
        try ManifestFile.write(Payload(generation: 1, names: ["a"]), directory: dir.path)
        try ManifestFile.write(Payload(generation: 2, names: ["a", "b"]), directory: dir.path)
        #expect(try ManifestFile.read(Payload.self, directory: dir.path) == Payload(generation: 2, names: ["a", "b"]))
        #expect(dir.fileSize(ManifestFile.temporaryFileName) == -1)
        // A crash after writing MANIFEST.tmp but before the rename leaves the old manifest in force.
        dir.writeFile(ManifestFile.temporaryFileName, [1, 2, 3])
        #expect(try ManifestFile.read(Payload.self, directory: dir.path)?.generation == 2)
    }

    @Test func everyFlippedByteIsDetected() throws {
        let dir = TemporaryDirectory()
        try ManifestFile.write(Payload(generation: 3, names: ["x"]), directory: dir.path)
        let original = dir.readFile(ManifestFile.fileName)
        for i in original.indices where !(8..<12).contains(i) {
            var bytes = original
            bytes[i] ^= 0x01
            dir.writeFile(ManifestFile.fileName, bytes)
            do {
                _ = try ManifestFile.read(Payload.self, directory: dir.path)
                Issue.record("flipped byte \(i) not detected")
            } catch {
                #expect(error.code == .corrupt)
                #expect(error.file == dir.path + "/" + ManifestFile.fileName)
            }
        }
    }

    @Test func truncationIsCorrupt() throws {
        let dir = TemporaryDirectory()
        try ManifestFile.write(Payload(generation: 3, names: ["x"]), directory: dir.path)
        let original = dir.readFile(ManifestFile.fileName)
        for size in [0, 10, ManifestFile.headerSize, original.count - 1] {
            dir.writeFile(ManifestFile.fileName, Array(original[0..<size]))
            do {
                _ = try ManifestFile.read(Payload.self, directory: dir.path)
                Issue.record("truncation to \(size) bytes not detected")
            } catch {
                #expect(error.code == .corrupt)
            }
        }
    }

    @Test func unknownVersionIsUnsupported() throws {
        let dir = TemporaryDirectory()
        try ManifestFile.write(Payload(generation: 3, names: []), directory: dir.path)
        var bytes = dir.readFile(ManifestFile.fileName)
        bytes[8] = 2
        dir.writeFile(ManifestFile.fileName, bytes)
        do {
            _ = try ManifestFile.read(Payload.self, directory: dir.path)
            Issue.record("version 2 accepted")
        } catch {
            #expect(error.code == .unsupportedVersion)
            #expect(error.file == dir.path + "/" + ManifestFile.fileName)
        }
    }
}

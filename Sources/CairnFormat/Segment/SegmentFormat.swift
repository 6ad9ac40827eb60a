/// Constants of the segment file layout (docs/format.md §4).
enum SegmentFormat {
    /// "CAIRNSEG", at the start of the header and the end of the trailer.
    static let magic: [UInt8] = Array("CAIRNSEG".utf8)
    /// The segment format version this build writes (docs/format.md §1.4): 2 adds sorted string
    /// dictionaries (§2.5).
    static let version: UInt32 = 2
    /// The versions this build reads.
    static let readableVersions: ClosedRange<UInt32> = 1...2
    /// magic(8) + u32 version + u32 flags.
    static let headerSize = 16
    /// u64 footer offset + u32 footer length + u32 footer CRC32C + magic(8).
    static let trailerSize = 24
    /// Upper bound on rows per block, so a corrupt row count cannot make a reader allocate without limit.
    static let maxRowsPerBlock = 1 << 20
}

extension Array where Element: BitwiseCopyable {
    /// `count` elements copied from the start of `raw` (little-endian, as every Cairn file and buffer
    /// is; Cairn runs on little-endian hosts only). `raw` must hold at least `count` elements.
    package init(copyingBytes raw: UnsafeRawBufferPointer, count: Int) {
        precondition(raw.count >= count * MemoryLayout<Element>.stride, "fewer bytes than elements")
        self.init(unsafeUninitializedCapacity: count) { out, initialized in
            if count > 0, let src = raw.baseAddress {
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(start: src, count: count * MemoryLayout<Element>.stride))
            }
            initialized = count
        }
    }
}

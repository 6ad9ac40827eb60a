extension String {
    /// Calls `body` with the string's UTF-8, in place for a native string: no copy, and unlike
    /// `withUTF8` no mutable copy of the string whose retain and release cost more than a short
    /// string's bytes. Only a string without contiguous UTF-8 (a bridged one) is copied first.
    @inlinable
    package func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let r = try utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = self
        return try copy.withUTF8(body)
    }
}

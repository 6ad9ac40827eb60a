/// Fixed-width bit-packing of unsigned integers (docs/format.md §2.1).
///
/// `count` values of `width` bits (0...64) are laid out least-significant bit first in a stream of
/// little-endian 64-bit words: value `i` occupies stream bits `[i*width, (i+1)*width)`. The packed area
/// is always a whole number of words, so a width of 0 takes no bytes at all.
package enum BitPacking {
    /// Bits needed to represent `v`; 0 for 0.
    @inline(__always)
    package static func width(_ v: UInt64) -> Int { 64 - v.leadingZeroBitCount }

    /// Bytes taken by `count` packed values of `width` bits.
    @inline(__always)
    package static func byteCount(count: Int, width: Int) -> Int { (count * width + 63) / 64 * 8 }

    /// Appends `count` values produced by `value`, each truncated to `width` bits.
    @inline(__always)
    static func pack(count: Int, width: Int, into out: inout [UInt8], _ value: (Int) -> UInt64) {
        let size = byteCount(count: count, width: width)
        guard size > 0 else { return }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: size))
        let mask: UInt64 = width == 64 ? ~0 : (1 &<< UInt64(width)) &- 1
        out.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            let words = base + start
            var wordIndex = 0
            var acc: UInt64 = 0
            var filled = 0
            for i in 0..<count {
                let v = value(i) & mask
                acc |= v &<< UInt64(filled)
                filled += width
                if filled >= 64 {
                    words.storeBytes(of: acc.littleEndian, toByteOffset: wordIndex * 8, as: UInt64.self)
                    wordIndex += 1
                    filled -= 64
                    acc = filled > 0 ? v &>> UInt64(width - filled) : 0
                }
            }
            if filled > 0 {
                words.storeBytes(of: acc.littleEndian, toByteOffset: wordIndex * 8, as: UInt64.self)
            }
        }
    }

    /// Unpacks `dst.count` values from `area` (which must hold `byteCount(count:width:)` bytes) into
    /// `dst`, as bit patterns. Callers validate `width <= 64` and the area size.
    package static func unpack(_ area: UnsafeRawBufferPointer, width: Int, into out: UnsafeMutableBufferPointer<Int64>) {
        let count = out.count
        guard count > 0, let dst = out.baseAddress else { return }
        guard width > 0, let src = area.baseAddress else {
            dst.update(repeating: 0, count: count)
            return
        }
        switch width {
        case 8:
            for i in 0..<count { dst[i] = Int64(src.load(fromByteOffset: i, as: UInt8.self)) }
        case 16:
            for i in 0..<count {
                dst[i] = Int64(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
            }
        case 32:
            for i in 0..<count {
                dst[i] = Int64(UInt32(littleEndian: src.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        case 64:
            for i in 0..<count {
                dst[i] = Int64(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            }
        default:
            let mask: UInt64 = (1 &<< UInt64(width)) &- 1
            var i = 0
            var bit = 0
            if width <= 56 {
                // One unaligned 8-byte load covers the value (bit offset within the byte <= 7, width <= 56)
                // as long as 8 bytes remain; the last few values fall through to the word loop.
                let lastFast = area.count - 8
                while i < count, bit >> 3 <= lastFast {
                    let w = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
                    dst[i] = Int64(bitPattern: (w &>> UInt64(bit & 7)) & mask)
                    i += 1
                    bit += width
                }
            }
            while i < count {
                let word = bit >> 6, shift = bit & 63
                var v = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self)) &>> UInt64(shift)
                if shift + width > 64 {
                    let next = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: word * 8 + 8, as: UInt64.self))
                    v |= next &<< UInt64(64 - shift)
                }
                dst[i] = Int64(bitPattern: v & mask)
                i += 1
                bit += width
            }
        }
    }

    /// Reads a packed run (`u8 width`, then the packed area) of `dst.count` values into `dst`.
    static func read(_ r: inout ByteReader, into dst: UnsafeMutableBufferPointer<Int64>) throws(CairnError) {
        let width = Int(try r.read(UInt8.self))
        guard width <= 64 else { throw r.corrupt("bit width \(width) exceeds 64") }
        let area = try r.take(byteCount(count: dst.count, width: width))
        unpack(area, width: width, into: dst)
    }

    /// Writes a packed run: `u8 width` then the packed values.
    @inline(__always)
    package static func write(count: Int, width: Int, into out: inout [UInt8], _ value: (Int) -> UInt64) {
        out.append(UInt8(width))
        pack(count: count, width: width, into: &out, value)
    }
}

/// Frame-of-reference vectors (docs/format.md §2.2): `i64 base` followed by a packed run of
/// `value - base` (wrapping, as unsigned). `base` is the minimum, so every offset is non-negative.
enum FrameOfReference {
    /// Bytes a vector of `count` values spanning `min...max` takes.
    static func size(count: Int, min: Int64, max: Int64) -> Int {
        9 + BitPacking.byteCount(count: count, width: BitPacking.width(UInt64(bitPattern: max &- min)))
    }

    @inline(__always)
    static func write(count: Int, into out: inout [UInt8], _ value: (Int) -> Int64) {
        var lo = Int64.max, hi = Int64.min
        for i in 0..<count {
            let v = value(i)
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        if count == 0 { lo = 0; hi = 0 }
        out.appendLittleEndian(lo)
        let base = lo
        BitPacking.write(count: count, width: BitPacking.width(UInt64(bitPattern: hi &- lo)), into: &out) {
            UInt64(bitPattern: value($0) &- base)
        }
    }

    static func read(_ r: inout ByteReader, into dst: UnsafeMutableBufferPointer<Int64>) throws(CairnError) {
        let base = try r.read(Int64.self)
        try BitPacking.read(&r, into: dst)
        if base != 0 {
            for i in dst.indices { dst[i] = base &+ dst[i] }
        }
    }
}

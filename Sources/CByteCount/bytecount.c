// Counts of one byte value in a buffer (CairnQuery/Ingest/ByteCount.swift): COPY counts the line
// feeds and the quotes of every chunk it reads. SSE2, which every x86-64 CPU has, compares 16 bytes
// at once; per-lane counts are summed with `psadbw` before a lane could pass 255. Swift's SIMD types
// compile to scalar code for this on the baseline target, and an 8-byte SWAR loop reads ~4 GB/s.
#include "cbytecount.h"

#if defined(__x86_64__)
#include <emmintrin.h>

size_t cairn_count_byte(const uint8_t *bytes, size_t count, uint8_t byte) {
    const __m128i pattern = _mm_set1_epi8((char)byte);
    size_t total = 0, i = 0;
    while (count - i >= 16) {
        __m128i lanes = _mm_setzero_si128();
        size_t blocks = (count - i) / 16;
        if (blocks > 255) blocks = 255;
        for (size_t b = 0; b < blocks; b++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(bytes + i));
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(v, pattern));   // a match is -1
        }
        __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
        total += (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
    for (; i < count; i++) total += bytes[i] == byte;
    return total;
}

#else

size_t cairn_count_byte(const uint8_t *bytes, size_t count, uint8_t byte) {
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += bytes[i] == byte;
    return total;
}

#endif

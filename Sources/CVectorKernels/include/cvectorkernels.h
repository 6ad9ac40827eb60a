#ifndef CSQ8_H
#define CSQ8_H

#include <stddef.h>
#include <stdint.h>

/// For each of `count` rows, the dot product of its `dimension` 8-bit codes with the 16-bit integer
/// `weights`: `out[i] = Σ_j weights[j] · codes[rows[i] · dimension + j]`, computed exactly in integers
/// (and exact as a double up to 2⁵³). Swift cannot name the AVX2 multiply-add of 16-bit pairs this uses.
void cairn_sq8_dots(const uint8_t *codes, const int64_t *rows, size_t count, size_t dimension,
                    const int16_t *weights, double *out);

#endif

#ifndef CVECTORKERNELS_H
#define CVECTORKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// For each of `count` rows, the dot product of its `dimension` 8-bit codes with the 16-bit integer
/// `weights`: `out[i] = Σ_j weights[j] · codes[rows[i] · dimension + j]`, computed exactly in integers
/// (and exact as a double up to 2⁵³). Swift cannot name the AVX2 multiply-add of 16-bit pairs this uses.
void cairn_sq8_dots(const uint8_t *codes, const int64_t *rows, size_t count, size_t dimension,
                    const int16_t *weights, double *out);

/// For each of `count` consecutive rows of `dimension` floats starting at `rows`, its dot product with
/// `query`: `out[i] = Σ_j rows[i · dimension + j] · query[j]` (float32, summed in a kernel-defined order).
/// The rows are read front to back as one stream, which is faster than BLAS `sgemv` for one query.
void cairn_float_dots(const float *rows, size_t count, size_t dimension, const float *query, float *out);

#endif

#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has a CRC-32C instruction that `cairn_crc32c_update` uses (SSE 4.2 on x86-64,
/// the CRC extension on arm64).
int cairn_crc32c_hardware(void);

/// Advances the raw CRC-32C register `crc` (not inverted) over `count` bytes at `bytes` with the CPU's
/// CRC-32C instruction. Only call it when `cairn_crc32c_hardware()` returned non-zero.
uint32_t cairn_crc32c_update(uint32_t crc, const void *bytes, size_t count);

#endif

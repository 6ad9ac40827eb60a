// Read bandwidth of one thread streaming 544 MB of float32 rows through the dot-product loop Cairn
// uses for a single query (Sources/CVectorKernels/dots.c), on transparent huge pages and on 4 KiB
// pages, with a plain OR-reduction of the same bytes as the reference; passes alternate so the VM's
// drift hits both alike (docs/benchmarks-changes.md, session 19).
//
//   cc -O2 -o /tmp/page-size-scan Benchmarks/machine/page-size-scan.c && /tmp/page-size-scan
#define _GNU_SOURCE
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

enum { D = 1536, N = 88588, PASSES = 15 };

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((target("avx2,fma"))) static float dots(const float *rows, const float *q, float *out) {
    for (size_t i = 0; i < N; i++) {
        const float *r = rows + i * D;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < D; j += 32) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r + j), _mm256_loadu_ps(q + j), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r + j + 8), _mm256_loadu_ps(q + j + 8), a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r + j + 16), _mm256_loadu_ps(q + j + 16), a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r + j + 24), _mm256_loadu_ps(q + j + 24), a3);
        }
        __m256 t = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        out[i] = _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
    }
    return out[N - 1];
}

__attribute__((target("avx2"))) static float or_reduce(const float *rows, const float *q, float *out) {
    (void)q;
    const __m256i *p = (const __m256i *)rows;
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    for (size_t i = 0; i < (size_t)N * D / 8; i += 4) {
        a = _mm256_or_si256(a, _mm256_load_si256(p + i));
        b = _mm256_or_si256(b, _mm256_load_si256(p + i + 1));
        c = _mm256_or_si256(c, _mm256_load_si256(p + i + 2));
        d = _mm256_or_si256(d, _mm256_load_si256(p + i + 3));
    }
    a = _mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d));
    out[0] = (float)_mm256_extract_epi32(a, 0);
    return out[0];
}

static float *rows_on(int huge) {
    size_t bytes = (size_t)N * D * 4, page = 2 << 20, length = (bytes + page - 1) / page * page;
    char *m = mmap(NULL, length + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(1); }
    float *rows = (float *)(((uintptr_t)m + page - 1) & ~(uintptr_t)(page - 1));
    madvise(rows, length, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    for (size_t i = 0; i < (size_t)N * D; i++) rows[i] = (float)(i % 1000) * 0.001f;
    return rows;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void) {
    float *pages[2] = {rows_on(0), rows_on(1)}, q[D], *out = malloc(N * sizeof(float));
    for (int i = 0; i < D; i++) q[i] = i * 1e-4f;
    float (*scans[2])(const float *, const float *, float *) = {dots, or_reduce};
    const char *names[2] = {"dot kernel", "OR-reduce"};
    double t[2][2][PASSES];
    for (int pass = 0; pass < PASSES; pass++)
        for (int huge = 0; huge < 2; huge++)
            for (int s = 0; s < 2; s++) {
                double start = seconds();
                scans[s](pages[huge], q, out);
                t[huge][s][pass] = seconds() - start;
            }
    for (int s = 0; s < 2; s++)
        for (int huge = 0; huge < 2; huge++) {
            qsort(t[huge][s], PASSES, sizeof(double), by_value);
            printf("%-10s on %-10s median %5.1f GB/s, best %5.1f GB/s\n", names[s], huge ? "huge pages" : "4 KiB pages",
                   (double)N * D * 4 / t[huge][s][PASSES / 2] / 1e9, (double)N * D * 4 / t[huge][s][0] / 1e9);
        }
    return 0;
}

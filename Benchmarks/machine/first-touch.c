// How fast this machine first touches fresh memory, on 4 KiB pages and on transparent huge pages,
// from one thread: the cost every new large allocation pays (docs/benchmarks-changes.md, session 19).
// On a VM that hands free memory back to its host, the first touch also waits for the host.
//
//   cc -O2 -o /tmp/first-touch Benchmarks/machine/first-touch.c && /tmp/first-touch
//
// Each measurement runs in a fresh child process, so no run reuses memory an earlier one freed.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void touch(size_t bytes, int huge) {
    char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); _exit(1); }
    madvise(m, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    double start = seconds();
    memset(m, 1, bytes);
    double first = seconds() - start;
    start = seconds();
    memset(m, 2, bytes);
    double second = seconds() - start;
    printf("%-10s first touch %6.2f GB/s, second pass %6.2f GB/s\n", huge ? "huge pages" : "4 KiB",
           bytes / first / 1e9, bytes / second / 1e9);
}

int main(void) {
    const size_t bytes = (size_t)544 << 20;  // the real-text set's vectors: 88,588 × 1536 floats
    for (int round = 0; round < 3; round++) {
        for (int huge = 1; huge >= 0; huge--) {
            fflush(stdout);
            pid_t child = fork();
            if (child == 0) { touch(bytes, huge); fflush(stdout); _exit(0); }
            waitpid(child, NULL, 0);
        }
    }
    return 0;
}

/*
 * A malloc counter for MallocCountProfiler: preloaded (LD_PRELOAD), it counts the
 * malloc-family calls of threads that opted in with txring_count_this_thread(1).
 * Build: gcc -O2 -shared -fPIC -o /tmp/malloc-count.so benchmarks/src/main/c/malloc-count.c
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

/* glibc's own entry points: calling them never comes back here. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static _Atomic unsigned long counted;
/* initial-exec: a dynamic TLS access could itself allocate. */
static __thread int counting __attribute__((tls_model("initial-exec")));

static inline void note(void) {
    if (counting) atomic_fetch_add_explicit(&counted, 1, memory_order_relaxed);
}

void *malloc(size_t n) { note(); return __libc_malloc(n); }
void *calloc(size_t n, size_t size) { note(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { note(); return __libc_realloc(p, n); }
void *memalign(size_t align, size_t n) { note(); return __libc_memalign(align, n); }
void *aligned_alloc(size_t align, size_t n) { note(); return __libc_memalign(align, n); }

int posix_memalign(void **out, size_t align, size_t n) {
    note();
    if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(align, n);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

void txring_count_this_thread(int on) { counting = on; }

unsigned long txring_mallocs(void) { return atomic_load_explicit(&counted, memory_order_relaxed); }

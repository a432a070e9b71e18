/* alloc.c: the pluggable allocator. Every allocation in the library goes through here so
   tests can fail each one in turn (the allocation-failure sweep). */
#include <stdlib.h>

#include "core.h"

static void *libc_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

/* Read far more often than written; atomics keep readers in other threads consistent. */
static _Atomic(tg_alloc_fn) g_alloc = libc_alloc;
static _Atomic(void *) g_alloc_ud = NULL;

void tg_set_allocator(tg_alloc_fn fn, void *ud) {
  atomic_store(&g_alloc_ud, ud);
  atomic_store(&g_alloc, fn ? fn : libc_alloc);
}

tg_alloc_fn tg_get_allocator(void **ud) {
  if (ud) *ud = atomic_load(&g_alloc_ud);
  return atomic_load(&g_alloc);
}

void *tgi_malloc(size_t n) {
  if (n == 0) n = 1;
  return atomic_load(&g_alloc)(atomic_load(&g_alloc_ud), NULL, n);
}

void *tgi_calloc(size_t count, size_t size) {
  size_t n;
  if (!tgi_mul_overflow(count, size, &n)) return NULL;
  void *p = tgi_malloc(n);
  if (p) memset(p, 0, n);
  return p;
}

void *tgi_realloc(void *p, size_t n) {
  if (n == 0) n = 1;
  return atomic_load(&g_alloc)(atomic_load(&g_alloc_ud), p, n);
}

void tgi_free(void *p) {
  if (p) atomic_load(&g_alloc)(atomic_load(&g_alloc_ud), p, 0);
}

void tg_free(void *p) { tgi_free(p); }

char *tgi_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = tgi_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

bool tgi_mul_overflow(size_t a, size_t b, size_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

/* alloc_sweep.h: the allocation-failure sweep of TESTING.md for tests that include it: a
   counting allocator (installed before main) with a size header per block so frees and
   leaks are counted, and sweep(what, scenario): run the scenario once counting allocations
   while C.armed, then once per allocation with that one failing; each failing run must
   return TG_ERR_NOMEM and leave no block live. */
#ifndef TG_ALLOC_SWEEP_H
#define TG_ALLOC_SWEEP_H

#include "harness.h"

static struct {
  long count, fail_at, live;
  int armed;
} C;

/* A size header in front of each block lets frees be counted. */
static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  size_t *h = ptr ? (size_t *)ptr - 2 : NULL;
  if (nsize == 0) {
    if (h) C.live--, free(h);
    return NULL;
  }
  if (C.armed && ++C.count == C.fail_at) return NULL;
  size_t *n = realloc(h, 2 * sizeof(size_t) + nsize);
  if (!n) return NULL;
  if (!h) C.live++;
  n[0] = nsize;
  return n + 2;
}

__attribute__((constructor)) static void install(void) { tg_set_allocator(count_alloc, NULL); }

typedef tg_status (*scenario)(void);

/* Run sc once counting allocations, then once per allocation with that one failing. */
static void sweep(const char *what, scenario sc) {
  memset(&C, 0, sizeof C);
  tg_status st = sc();
  th_checks++;
  if (st != TG_OK) TH_FAIL("%s: the counting run failed with %s", what, tg_status_name(st));
  if (C.live) TH_FAIL("%s: %ld blocks leaked by the counting run", what, C.live);
  long n = C.count;
  if (n == 0) TH_FAIL("%s: made no allocation to fail", what);
  for (long k = 1; k <= n; k++) {
    memset(&C, 0, sizeof C);
    C.fail_at = k;
    st = sc();
    th_checks++;
    if (st != TG_ERR_NOMEM)
      TH_FAIL("%s: allocation %ld of %ld failing gave %s, not TG_ERR_NOMEM", what, k, n,
              tg_status_name(st));
    if (C.live) TH_FAIL("%s: allocation %ld failing leaked %ld blocks", what, k, C.live);
  }
}

#endif

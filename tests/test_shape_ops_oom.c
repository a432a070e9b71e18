/* test_shape_ops_oom.c: the allocation-failure sweep (TESTING.md) over the shape ops: a
   scenario that builds a graph using every shape builder and their shape rules, compiles
   it and calls it on strided inputs (so reshape copies, join and alloc allocate, views are
   made) is run once counting allocations, then once per allocation with that one failing.
   Each run must fail with TG_ERR_NOMEM through the right channel or succeed, and free
   everything (the allocator counts live blocks). */
#include "shape_ops_check.h"

static struct {
  long count, fail_at, live;
  int armed;
} C;

typedef struct {
  size_t size;
  size_t pad;
} hdr;

static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  hdr *h = ptr ? (hdr *)ptr - 1 : NULL;
  if (nsize == 0) {
    if (h) C.live--, free(h);
    return NULL;
  }
  if (C.armed && ++C.count == C.fail_at) return NULL;
  hdr *n = realloc(h, sizeof(hdr) + nsize);
  if (!n) return NULL;
  if (!h) C.live++;
  n->size = nsize;
  return n + 1;
}

__attribute__((constructor)) static void install(void) { tg_set_allocator(count_alloc, NULL); }

/* Build, compile and call; TG_OK, or the status by which a failure was reported. */
static tg_status scenario(void) {
  tg_graph *g = tg_graph_new();
  if (!g) return tg_errstatus();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *n = tg_scalar(g, "n", TG_INT64), *pieces[2];
  tg_var *outs[12];
  outs[0] = tg_reshape_to(x, 1, (int64_t[]){-1});
  outs[1] = tg_flatten(tg_dimshuffle(x, 3, (int[]){1, -1, 0}), 2);
  outs[2] = tg_specify_shape(x, 2, (int64_t[]){3, -1});
  outs[3] = tg_concatenate(2, (tg_var *[]){x, tg_transpose(x, 0, NULL)}, 1);
  outs[4] = tg_stack(2, (tg_var *[]){x, tg_zeros_like(x)}, -1);
  outs[5] = tg_split(x, 2, (int64_t[]){1, 2}, 0, pieces);
  outs[6] = pieces[1];
  outs[7] = tg_alloc(
      tg_expand_dims(tg_squeeze(tg_ones_to(g, 2, (int64_t[]){1, 3}, TG_INT8), -1, NULL), 0), 2,
      (tg_var *[]){n, tg_const_i64(g, 3)});
  outs[8] = tg_fill(x, tg_const_f64(g, 1.5));
  outs[9] = tg_infer_shape(outs[0]);
  outs[10] = tg_infer_shape(outs[4]);
  outs[11] = tg_reshape(x, tg_make_vector(g, 2, (tg_var *[]){n, tg_const_i64(g, -1)}));
  tg_status st = tg_graph_status(g);
  tg_function *f = st == TG_OK ? tg_function_new(g, TG_VARS(x, n), 12, outs, NULL) : NULL;
  if (st == TG_OK && !f) st = tg_graph_status(g);
  tg_array *base = st == TG_OK ? sx_make(TG_FLOAT64, 2, (int64_t[]){3, 3}, SX_TRANSPOSED) : NULL;
  tg_array *na = st == TG_OK ? tg_array_from_i64(0, NULL, (int64_t[]){3}) : NULL;
  if (st == TG_OK && (!base || !na)) st = tg_errstatus();
  tg_array *r[12] = {0};
  if (st == TG_OK && tg_function_call(f, (tg_array *[]){base, na}, r) != TG_OK) {
    st = strstr(tg_function_error(f), "out of memory") ? TG_ERR_NOMEM : TG_ERR_RUNTIME;
    for (int i = 0; i < 12; i++) CHECK(r[i] == NULL); /* nothing handed out on failure */
  }
  if (st == TG_OK) /* the values are checked elsewhere; here, that they are all there */
    for (int i = 0; i < 12; i++) CHECK(r[i] != NULL);
  for (int i = 0; i < 12; i++) tg_array_unref(r[i]);
  tg_array_unref(base);
  tg_array_unref(na);
  tg_function_free(f);
  tg_graph_free(g);
  return st;
}

TEST(shape_ops_allocation_failures) {
  memset(&C, 0, sizeof C);
  C.armed = 1;
  CHECK_STATUS(scenario(), TG_OK);
  C.armed = 0;
  CHECK(C.live == 0);
  long total = C.count;
  CHECK(total > 50);
  int bad = 0;
  for (long k = 1; k <= total; k++) {
    memset(&C, 0, sizeof C);
    C.fail_at = k;
    C.armed = 1;
    tg_status st = scenario();
    C.armed = 0;
    if (st != TG_ERR_NOMEM || C.live != 0) {
      if (bad++ < 5)
        fprintf(stderr, "allocation %ld of %ld failing: status %s, %ld blocks leaked\n", k, total,
                tg_status_name(st), C.live);
    }
  }
  CHECK(bad == 0);
}

/* test_nnet_alloc.c: the allocation-failure sweep (TESTING.md) over the neural-network
   ops: building every one of them, and calling a compiled function that runs every
   kernel (Softmax, LogSoftmax, CrossentropyCategorical1Hot, OneHot and the elementwise
   graphs). A counting allocator makes allocation k fail, k = 1..N; each run must report
   TG_ERR_NOMEM, never crash, and free every block (the allocator counts live blocks). */
#include <stdint.h>

#include "harness.h"

typedef struct {
  uint64_t magic, size;
} hdr;
#define MAGIC_LIVE 0x6e6e65746c697665ull

static struct {
  long count, fail_at, injected, live;
  int armed;
} C;

static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  hdr *h = ptr ? (hdr *)ptr - 1 : NULL;
  if (h && h->magic != MAGIC_LIVE) {
    fprintf(stderr, "test_nnet_alloc: free of a block not handed out (or freed twice)\n");
    abort(); /* memory is corrupt */
  }
  if (nsize == 0) {
    if (h) h->magic = 0, C.live--, free(h);
    return NULL;
  }
  if (C.armed && ++C.count == C.fail_at) {
    C.injected++;
    return NULL;
  }
  hdr *n = realloc(h, sizeof(hdr) + nsize);
  if (!n) return NULL;
  if (!h) C.live++;
  n->magic = MAGIC_LIVE, n->size = nsize;
  return n + 1;
}

__attribute__((constructor)) static void install(void) { tg_set_allocator(count_alloc, NULL); }

typedef tg_status (*scenario)(void);

static void sweep(const char *what, scenario sc) {
  memset(&C, 0, sizeof C);
  tg_status st = sc();
  th_checks += 2;
  if (st != TG_OK) TH_FAIL("%s: the counting run failed with %s", what, tg_status_name(st));
  if (C.live != 0) TH_FAIL("%s: %ld blocks leaked by the counting run", what, C.live);
  long n = C.count;
  if (n == 0) TH_FAIL("%s: made no allocation to fail", what);
  for (long k = 1; k <= n; k++) {
    memset(&C, 0, sizeof C);
    C.fail_at = k;
    st = sc();
    th_checks += 3;
    if (C.injected != 1) TH_FAIL("%s: allocation %ld of %ld never reached", what, k, n);
    if (st != TG_ERR_NOMEM)
      TH_FAIL("%s: failing allocation %ld of %ld gave %s", what, k, n, tg_status_name(st));
    if (C.live != 0) TH_FAIL("%s: failing allocation %ld of %ld leaked %ld blocks", what, k, n, C.live);
  }
  printf("%-30s %4ld allocation sites swept\n", what, n);
}

/* Every nnet builder on the inputs of g; the outputs into out[10]. */
static void build_all(tg_graph *g, tg_var *m, tg_var *y, tg_var **out) {
  out[0] = tg_relu(m);
  out[1] = tg_leaky_relu(m, 0.2);
  out[2] = tg_elu(m, 1.0);
  out[3] = tg_gelu(m, false);
  out[4] = tg_gelu(m, true);
  out[5] = tg_softmax(m, 1);
  out[6] = tg_log_softmax(m, 0);
  out[7] = tg_categorical_crossentropy(tg_softmax(m, -1), y);
  out[8] = tg_binary_crossentropy(tg_sigmoid(m), tg_one_hot(y, 3, TG_FLOAT64));
  out[9] = tg_sigmoid_binary_crossentropy(m, tg_one_hot(y, 3, TG_BOOL));
  (void)g;
}

static tg_status sc_build(void) {
  tg_graph *g = tg_graph_new();
  if (!g) return TG_ERR_RUNTIME;
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64), *y = tg_vector(g, "y", TG_INT64);
  tg_var *out[10];
  C.armed = 1;
  build_all(g, m, y, out);
  C.armed = 0;
  tg_status st = tg_graph_status(g);
  bool all = true;
  for (int i = 0; i < 10; i++) all = all && out[i];
  if (all != (st == TG_OK)) TH_FAIL("build: outputs and status disagree (%s)", tg_status_name(st));
  tg_graph_free(g);
  return st;
}

static tg_status sc_call(void) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64), *y = tg_vector(g, "y", TG_INT64);
  tg_var *outv[10];
  build_all(g, m, y, outv);
  tg_function *f = tg_function_new(g, TG_VARS(m, y), 10, outv, NULL);
  tg_array *ma = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, -2, 3, -4, 5, 0.5});
  tg_array *ya = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){2, 0});
  tg_array *o[10] = {0};
  tg_status st = TG_ERR_RUNTIME;
  if (f && ma && ya) {
    C.armed = 1;
    st = tg_function_call(f, (tg_array *[]){ma, ya}, o);
    C.armed = 0;
  }
  if (st == TG_OK) CHECK_CLOSE(tg_array_get_f64(o[7], 0), -log(exp(3.0) / (exp(1) + exp(-2) + exp(3))), 1e-14, 0);
  else
    for (int i = 0; i < 10; i++) CHECK(o[i] == NULL);
  for (int i = 0; i < 10; i++) tg_array_unref(o[i]);
  tg_array_unref(ma), tg_array_unref(ya);
  tg_function_free(f);
  tg_graph_free(g);
  return st;
}

TEST(sweep_build) { sweep("nnet builders", sc_build); }
TEST(sweep_call) { sweep("nnet kernels", sc_call); }

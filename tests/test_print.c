/* test_print.c: graph inspection: tg_debugprint (Theano's indented tree with ids and
   types), tg_pp (one-line infix form), tg_graph_dot (Graphviz), the compiled-function
   versions, 100,000-node chains printed without recursion, escaping of odd names in DOT
   (checked by running Graphviz when it is installed), argument and stream errors, and the
   allocation-failure sweep. Expected texts are written out by hand from Theano's format. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "ops/op.h"

/* ---- helpers ---- */

/* Run a printer into a memory stream and return the text (free with free()). */
#define CAPTURE(var, status_var, call)                  \
  char *var = NULL;                                     \
  tg_status status_var;                                 \
  do {                                                  \
    size_t cap_len_;                                    \
    FILE *fp = open_memstream(&var, &cap_len_);         \
    status_var = (call);                                \
    fclose(fp);                                         \
  } while (0)

static char *dbg(int n, tg_var *const *outs) {
  CAPTURE(s, st, tg_debugprint(n, outs, fp));
  CHECK_STATUS(st, TG_OK);
  return s;
}

static char *dotstr(int n, tg_var *const *outs) {
  CAPTURE(s, st, tg_graph_dot(n, outs, fp));
  CHECK_STATUS(st, TG_OK);
  return s;
}

static void check_pp(const tg_var *v, const char *want) {
  char *s = tg_pp(v);
  CHECK_STR(s, want);
  tg_free(s);
}

/* Lines of a stream from its start, the longest line's length, and how many lines
   contain `needle` (and, when needle2 is given, also needle2). */
static long count_lines(FILE *fp, size_t *longest, const char *needle, const char *needle2,
                        long *n_match) {
  rewind(fp);
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long n = 0;
  *longest = 0, *n_match = 0;
  while ((len = getline(&line, &cap, fp)) >= 0) {
    n++;
    if ((size_t)len > *longest) *longest = (size_t)len;
    if (strstr(line, needle) && (!needle2 || strstr(line, needle2))) ++*n_match;
  }
  free(line);
  return n;
}

#define T2 "<TensorType(float64, (?, ?))>"
#define T1 "<TensorType(float64, (?,))>"

/* ---- a two-output op, defined here because the library has none yet ---- */

static int split2_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                        tg_type *out) {
  (void)g, (void)op, (void)n_in;
  for (int o = 0; o < 2; o++) {
    out[o].dtype = in[0]->type.dtype;
    out[o].ndim = in[0]->type.ndim;
    for (int d = 0; d < in[0]->type.ndim; d++) out[o].shape[d] = in[0]->type.shape[d];
  }
  return 2;
}
static void split2_describe(const tg_op *op, char *buf, size_t n) {
  (void)op;
  snprintf(buf, n, "Split2");
}
static const tg_op_class split2_class = {
    .name = "Split2", .infer = split2_infer, .describe = split2_describe};

static tg_node *split2(tg_var *x) {
  tg_op *op = tgi_op_new(x->g, &split2_class, 0, x->type.dtype, 0, NULL);
  return op ? tgi_apply(op, 1, (tg_var *[]){x}) : NULL;
}

/* ---- debugprint ---- */

TEST(debugprint_seed) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *C = tg_add(A, B);
  char *s = dbg(TG_VARS(C));
  CHECK_STR(s, "Elemwise{add} [id A] " T2 "\n"
               " |A [id B] " T2 "\n"
               " |B [id C] " T2 "\n");
  free(s);
  tg_var_set_name(C, "C"); /* a named result keeps its op and shows its name, as Theano */
  s = dbg(TG_VARS(C));
  CHECK_STR(s, "Elemwise{add} [id A] " T2 " 'C'\n"
               " |A [id B] " T2 "\n"
               " |B [id C] " T2 "\n");
  free(s);
  tg_graph_free(g);
}

TEST(debugprint_shared_subexpression_once) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *s = tg_add(A, B);
  tg_var *y = tg_mul(s, tg_exp(s));
  char *t = dbg(TG_VARS(y));
  /* the add is expanded once; below the last child of a node the bar stops */
  CHECK_STR(t, "Elemwise{mul} [id A] " T2 "\n"
               " |Elemwise{add} [id B] " T2 "\n"
               " | |A [id C] " T2 "\n"
               " | |B [id D] " T2 "\n"
               " |Elemwise{exp} [id E] " T2 "\n"
               "   |Elemwise{add} [id B]\n");
  free(t);
  /* a leaf used twice is shown in full each time, with the same id */
  tg_var *z = tg_mul(tg_exp(tg_add(A, B)), A);
  t = dbg(TG_VARS(z));
  CHECK_STR(t, "Elemwise{mul} [id A] " T2 "\n"
               " |Elemwise{exp} [id B] " T2 "\n"
               " | |Elemwise{add} [id C] " T2 "\n"
               " |   |A [id D] " T2 "\n"
               " |   |B [id E] " T2 "\n"
               " |A [id D] " T2 "\n");
  free(t);
  tg_graph_free(g);
}

TEST(debugprint_constants_and_casts) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32);
  tg_var *y = tg_mul(x, tg_const_f64(g, 2.0));
  char *s = dbg(TG_VARS(y));
  CHECK_STR(s, "Elemwise{mul} [id A] <TensorType(float32, (?,))>\n"
               " |x [id B] <TensorType(float32, (?,))>\n"
               " |TensorConstant{2.0} [id C] <TensorType(float64, ())>\n");
  free(s);
  tg_array *m = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6});
  tg_array *v = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, 2.5, -3});
  tg_var *M = tg_matrix(g, "M", TG_FLOAT64);
  tg_var *w = tg_add(tg_sub(tg_cast(M, TG_FLOAT64), tg_constant(g, m)),
                     tg_mul(tg_constant(g, v), tg_const_i64(g, 3)));
  s = dbg(TG_VARS(w));
  CHECK_STR(s, "Elemwise{add} [id A] <TensorType(float64, (2, 3))>\n"
               " |Elemwise{sub} [id B] <TensorType(float64, (2, 3))>\n"
               " | |Elemwise{cast{float64}} [id C] " T2 "\n"
               " | | |M [id D] " T2 "\n"
               " | |TensorConstant{shape (2, 3)} [id E] <TensorType(float64, (2, 3))>\n"
               " |Elemwise{mul} [id F] <TensorType(float64, (3,))>\n"
               "   |TensorConstant{[1.0, 2.5, -3.0]} [id G] <TensorType(float64, (3,))>\n"
               "   |TensorConstant{3} [id H] <TensorType(int64, ())>\n");
  free(s);
  tg_array_unref(m);
  tg_array_unref(v);
  tg_graph_free(g);
}

TEST(debugprint_several_outputs_and_multi_output_nodes) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *y1 = tg_add(A, B), *y2 = tg_mul(y1, A);
  char *s = dbg(TG_VARS(y1, y2));
  CHECK_STR(s, "Elemwise{add} [id A] " T2 "\n"
               " |A [id B] " T2 "\n"
               " |B [id C] " T2 "\n"
               "Elemwise{mul} [id D] " T2 "\n"
               " |Elemwise{add} [id A]\n"
               " |A [id B] " T2 "\n");
  free(s);
  /* an output that is an input prints as a one-line tree */
  s = dbg(TG_VARS(A, y1));
  CHECK_STR(s, "A [id A] " T2 "\n"
               "Elemwise{add} [id B] " T2 "\n"
               " |A [id A] " T2 "\n"
               " |B [id C] " T2 "\n");
  free(s);
  /* both outputs of one node share its id and show their index */
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_node *nd = split2(x);
  CHECK(nd != NULL);
  tg_var *z = tg_add(nd->out[0], nd->out[1]);
  s = dbg(TG_VARS(z, nd->out[1]));
  CHECK_STR(s, "Elemwise{add} [id A] " T1 "\n"
               " |Split2.0 [id B] " T1 "\n"
               " | |x [id C] " T1 "\n"
               " |Split2.1 [id B]\n"
               "Split2.1 [id B]\n");
  free(s);
  check_pp(z, "(Split2.0(x) + Split2.1(x))");
  tg_graph_free(g);
}

TEST(debugprint_unnamed_inputs) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, NULL, TG_FLOAT64), *r = tg_row(g, NULL, TG_FLOAT32);
  tg_var *s = tg_scalar(g, NULL, TG_INT8), *c = tg_col(g, NULL, TG_FLOAT64);
  tg_var *t5 = tg_tensor(g, NULL, TG_INT32, 5, NULL);
  tg_var *y = tg_add(tg_add(tg_add(a, r), tg_add(s, c)), t5);
  char *out = dbg(TG_VARS(tg_add(a, r)));
  CHECK_STR(out, "Elemwise{add} [id A] " T2 "\n"
                 " |<float64 matrix> [id B] " T2 "\n"
                 " |<float32 row> [id C] <TensorType(float32, (1, ?))>\n");
  free(out);
  check_pp(y, "(((<float64 matrix> + <float32 row>) + (<int8 scalar> + <float64 col>)) + "
              "<int32 tensor5>)");
  tg_graph_free(g);
}

/* Ids run A..Z, then AA, AB, ..., ZZ, AAA. A chain of 702 exps over x gives the exps the
   ids 1..702 (A..ZZ) and x the 703rd (AAA); lines deeper than 100 levels are continued. */
TEST(debugprint_ids_past_z) {
  tg_graph *g = tg_graph_new();
  tg_var *y = tg_vector(g, "x", TG_FLOAT64);
  for (int i = 0; i < 702; i++) y = tg_exp(y);
  char *s = dbg(TG_VARS(y));
  const char *head = "Elemwise{exp} [id A] " T1 "\n"
                     " |Elemwise{exp} [id B] " T1 "\n"
                     "   |Elemwise{exp} [id C] " T1 "\n";
  CHECK(strncmp(s, head, strlen(head)) == 0);
  CHECK(strstr(s, "Elemwise{exp} [id Z] " T1 "\n") != NULL);
  CHECK(strstr(s, "Elemwise{exp} [id AA] " T1 "\n") != NULL);
  CHECK(strstr(s, "Elemwise{exp} [id AZ] " T1 "\n") != NULL);
  CHECK(strstr(s, "Elemwise{exp} [id BA] " T1 "\n") != NULL);
  CHECK(strstr(s, "Elemwise{exp} [id ZZ] " T1 "\n") != NULL);
  CHECK(strstr(s, "|x [id AAA] " T1 "\n") != NULL);
  free(s);
  tg_graph_free(g);
}

/* The depth limit: in a chain of 205 exps, exps 1..100 (ids A..CV) sit at depths 0..99;
   exp 101 (id CW) would sit at depth 100, so it is shown "(continued below)" and then
   expanded as a tree of its own, and so on. A unary op's only child is its last, so the
   indentation below it is "  " per level and " |" before the line itself. */
TEST(debugprint_depth_limit_continues_below) {
  tg_graph *g = tg_graph_new();
  tg_var *y = tg_vector(g, "x", TG_FLOAT64);
  for (int i = 0; i < 205; i++) y = tg_exp(y);
  FILE *fp = tmpfile();
  CHECK_STATUS(tg_debugprint(TG_VARS(y), fp), TG_OK);
  size_t longest;
  long n_stub, n_full;
  long lines = count_lines(fp, &longest, "(continued below)", NULL, &n_stub);
  count_lines(fp, &longest, "Elemwise{exp}", "<TensorType", &n_full);
  CHECK(lines == 205 + 2 + 1);
  CHECK(n_stub == 2);
  CHECK(n_full == 205);
  rewind(fp);
  char line[512];
  for (int i = 0; i < 101; i++) CHECK(fgets(line, sizeof line, fp) != NULL);
  char want[512];
  snprintf(want, sizeof want, "%198s |Elemwise{exp} [id CW] (continued below)\n", "");
  CHECK_STR(line, want);
  CHECK(fgets(line, sizeof line, fp) != NULL);
  CHECK_STR(line, "Elemwise{exp} [id CW] " T1 "\n");
  fclose(fp);
  tg_graph_free(g);
}

/* x + 1.0 repeated 100,000 times: lines are N full adds + N constants + x + one
   "(continued below)" per 100 levels but the last (999), and no line is long. */
TEST(debugprint_deep_chain_100k) {
  enum { N = 100000 };
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *one = tg_const_f64(g, 1.0), *y = x;
  for (int i = 0; i < N; i++) y = tg_add(y, one);
  CHECK(y != NULL);
  FILE *fp = tmpfile();
  CHECK_STATUS(tg_debugprint(TG_VARS(y), fp), TG_OK);
  size_t longest;
  long n_stub, n_full, n_x;
  long lines = count_lines(fp, &longest, "(continued below)", NULL, &n_stub);
  count_lines(fp, &longest, "Elemwise{add}", "<TensorType", &n_full);
  count_lines(fp, &longest, "|x [id ", NULL, &n_x);
  CHECK(lines == 2L * N + 1 + 999);
  CHECK(n_stub == 999);
  CHECK(n_full == N);
  CHECK(n_x == 1);
  CHECK(longest < 2 * 100 + 80);
  fclose(fp);
  fp = fopen("/dev/null", "w");
  if (fp) {
    CHECK_STATUS(tg_debugprint(TG_VARS(y), fp), TG_OK);
    fclose(fp);
  }
  tg_graph_free(g);
}

/* The three printers on a 100,000-deep chain in a thread with a 1 MiB stack: a printer
   that recursed once per level would need several times that and crash. */
static void *print_all(void *arg) {
  tg_var *y = arg;
  FILE *fp = fopen("/dev/null", "w");
  static tg_status st[3];
  st[0] = fp ? tg_debugprint(TG_VARS(y), fp) : TG_ERR_IO;
  st[1] = fp ? tg_graph_dot(TG_VARS(y), fp) : TG_ERR_IO;
  char *s = tg_pp(y);
  st[2] = s ? TG_OK : tg_errstatus();
  tg_free(s);
  if (fp) fclose(fp);
  return st;
}

TEST(deep_chain_on_small_stack) {
  enum { N = 100000 };
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = x;
  for (int i = 0; i < N; i++) y = tg_sub(tg_neg(y), x); /* 200,000 levels */
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t)1 << 20);
  pthread_t t;
  void *res = NULL;
  CHECK(pthread_create(&t, &attr, print_all, y) == 0);
  pthread_join(t, &res);
  tg_status *st = res;
  CHECK(st != NULL);
  if (st) {
    CHECK_STATUS(st[0], TG_OK);
    CHECK_STATUS(st[1], TG_OK);
    CHECK_STATUS(st[2], TG_OK);
  }
  pthread_attr_destroy(&attr);
  tg_graph_free(g);
}

/* ---- pp ---- */

TEST(pp_infix_calls_constants) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *C = tg_matrix(g, "C", TG_FLOAT64);
  check_pp(tg_add(A, B), "(A + B)");
  check_pp(tg_mul(tg_add(A, B), C), "((A + B) * C)");
  check_pp(tg_add(A, tg_mul(B, C)), "(A + (B * C))");
  check_pp(tg_pow(tg_sub(A, B), tg_true_div(B, C)), "((A - B) ** (B / C))");
  tg_var *s = tg_add(A, B);
  check_pp(tg_mul(s, tg_exp(s)), "((A + B) * exp((A + B)))");
  check_pp(tg_lt(A, tg_const_f64(g, 0.5)), "(A < 0.5)");
  check_pp(tg_clip(A, B, C), "clip(A, B, C)");
  check_pp(tg_maximum(A, tg_const_i64(g, -7)), "maximum(A, -7)");
  check_pp(tg_cast(tg_exp(A), TG_FLOAT32), "cast{float32}(exp(A))");
  check_pp(tg_neg(A), "-A");
  check_pp(tg_neg(tg_neg(A)), "-(-A)");
  check_pp(tg_neg(tg_add(A, B)), "-(A + B)");
  check_pp(tg_neg(tg_const_f64(g, -2.0)), "-(-2.0)");
  check_pp(tg_sub(A, tg_neg(B)), "(A - -B)");
  check_pp(A, "A");
  /* constants print their value the way Python writes the number */
  check_pp(tg_const_f64(g, 2.0), "2.0");
  check_pp(tg_const_f64(g, 0.1), "0.1");
  check_pp(tg_const_f64(g, 1e-5), "1e-05");
  check_pp(tg_const_f64(g, 1e-4), "0.0001");
  check_pp(tg_const_f64(g, 123.456), "123.456");
  check_pp(tg_const_f64(g, 1e15), "1000000000000000.0");
  check_pp(tg_const_f64(g, 1e16), "1e+16");
  check_pp(tg_const_f64(g, 1.0 / 3.0), "0.3333333333333333");
  check_pp(tg_const_f64(g, -0.0), "-0.0");
  check_pp(tg_const_f64(g, INFINITY), "inf");
  check_pp(tg_const_f64(g, NAN), "nan");
  check_pp(tg_const_typed(g, TG_FLOAT32, 0.1), "0.1"); /* float32 0.1 reads back as 0.1f */
  check_pp(tg_const_typed(g, TG_FLOAT32, 1.0 / 3.0), "0.33333334");
  check_pp(tg_const_typed(g, TG_INT8, -5), "-5");
  check_pp(tg_const_typed(g, TG_BOOL, 1), "True");
  tg_array *v = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){4, -1});
  tg_array *big = tg_array_zeros(TG_FLOAT32, 1, (int64_t[]){9});
  check_pp(tg_add(A, tg_constant(g, v)), "(A + [4, -1])");
  check_pp(tg_constant(g, big), "TensorConstant{shape (9,)}");
  tg_array_unref(v);
  tg_array_unref(big);
  CHECK_STATUS(tg_graph_status(g), TG_OK);
  tg_graph_free(g);
}

TEST(pp_deep_chain_100k) {
  enum { N = 100000 };
  tg_graph *g = tg_graph_new();
  tg_var *y = tg_vector(g, "x", TG_FLOAT64), *one = tg_const_f64(g, 1.0);
  for (int i = 0; i < N; i++) y = tg_add(y, one);
  char *want = malloc(8 * (size_t)N + 2), *p = want;
  memset(p, '(', N), p += N;
  *p++ = 'x';
  for (int i = 0; i < N; i++) memcpy(p, " + 1.0)", 7), p += 7;
  *p = 0;
  char *s = tg_pp(y);
  CHECK(s != NULL && strlen(s) == 8 * (size_t)N + 1);
  CHECK(s && strcmp(s, want) == 0);
  tg_free(s);
  /* and a deep chain of calls */
  tg_var *e = tg_vector(g, "x", TG_FLOAT64);
  for (int i = 0; i < N; i++) e = tg_exp(e);
  s = tg_pp(e);
  CHECK(s != NULL && strlen(s) == 5 * (size_t)N + 1);
  CHECK(s && strncmp(s, "exp(exp(", 8) == 0 && strstr(s, "(x)))") != NULL);
  tg_free(s);
  free(want);
  tg_graph_free(g);
}

TEST(pp_refuses_exponential_expansion) {
  tg_graph *g = tg_graph_new();
  tg_var *y = tg_scalar(g, "x", TG_FLOAT64);
  for (int i = 0; i < 40; i++) y = tg_mul(y, y); /* 2^40 leaves written out */
  CHECK(tg_pp(y) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "use tg_debugprint");
  char *s = dbg(TG_VARS(y)); /* debugprint shows each node once */
  int lines = 0;
  for (char *q = s; *q; q++) lines += *q == '\n';
  CHECK(lines == 40 + 39 + 2); /* each mul, its second operand by id, x twice */
  free(s);
  tg_graph_free(g);
}

/* ---- DOT ---- */

TEST(dot_seed_exact) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *C = tg_add(A, B);
  char *s = dotstr(TG_VARS(C));
  CHECK_STR(s, "digraph tgraph {\n"
               "  v2 [label=\"TensorType(float64, (?, ?))\", shape=ellipse, style=filled, "
               "fillcolor=lightblue];\n"
               "  n0 [label=\"Elemwise{add}\", shape=box];\n"
               "  v0 -> n0 [label=\"0\"];\n"
               "  v1 -> n0 [label=\"1\"];\n"
               "  n0 -> v2;\n"
               "  v0 [label=\"A\\nTensorType(float64, (?, ?))\", shape=ellipse, style=filled, "
               "fillcolor=palegreen];\n"
               "  v1 [label=\"B\\nTensorType(float64, (?, ?))\", shape=ellipse, style=filled, "
               "fillcolor=palegreen];\n"
               "}\n");
  free(s);
  /* one input: no edge label; a constant is grey and dashed */
  tg_var *y = tg_exp(A), *k = tg_const_f64(g, 2.0);
  s = dotstr(TG_VARS(y, k));
  CHECK(strstr(s, "  v0 -> n1;\n") != NULL);
  CHECK(strstr(s, "  n1 -> v3;\n") != NULL);
  CHECK(strstr(s, "  v4 [label=\"TensorConstant{2.0}\\nTensorType(float64, ())\", "
                  "shape=ellipse, style=filled, fillcolor=lightblue];\n") != NULL);
  free(s);
  s = dotstr(TG_VARS(tg_mul(y, k)));
  CHECK(strstr(s, "  v4 [label=\"TensorConstant{2.0}\\nTensorType(float64, ())\", "
                  "shape=ellipse, style=\"filled,dashed\", fillcolor=lightgrey];\n") != NULL);
  CHECK(strstr(s, "  v3 [label=\"TensorType(float64, (?, ?))\", shape=ellipse];\n") != NULL);
  free(s);
  tg_graph_free(g);
}

/* Run Graphviz on a DOT text; returns the SVG (free()) or NULL when dot failed. */
static char *run_dot(const char *text) {
  char in[] = "/tmp/tg_print_dot_XXXXXX";
  int fd = mkstemp(in);
  if (fd < 0) return NULL;
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "dot -Tsvg %s 2>&1", in);
  FILE *p = popen(cmd, "r");
  char *svg = NULL;
  size_t cap = 0, len = 0;
  if (p) {
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, p)) > 0) {
      svg = realloc(svg, cap = len + k + 1);
      memcpy(svg + len, buf, k), len += k, svg[len] = 0;
    }
    if (pclose(p) != 0) free(svg), svg = NULL;
  }
  unlink(in);
  return svg;
}

TEST(dot_escapes_names_and_graphviz_accepts_it) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a\"b\\c", TG_FLOAT64), *b = tg_vector(g, "two\nlines\\", TG_FLOAT64);
  tg_node *nd = split2(tg_add(a, b));
  tg_var *y = tg_mul(nd->out[1], tg_const_f64(g, 3.0));
  tg_var_set_name(y, "out\"");
  char *s = dotstr(TG_VARS(y, nd->out[0]));
  CHECK(strstr(s, "[label=\"a\\\"b\\\\c\\nTensorType(float64, (?,))\"") != NULL);
  CHECK(strstr(s, "[label=\"two\\nlines\\\\\\nTensorType(float64, (?,))\"") != NULL);
  CHECK(strstr(s, "[label=\"out\\\"\\nTensorType(float64, (?,))\"") != NULL);
  CHECK(strstr(s, "  n1 -> v3 [label=\"0\"];\n  n1 -> v4 [label=\"1\"];\n") != NULL);
  if (access("/usr/bin/dot", X_OK) != 0) {
    free(s);
    tg_graph_free(g);
    SKIP("Graphviz is not installed (/usr/bin/dot missing): the DOT text was not run "
         "through dot -Tsvg; install it with apt-get install graphviz");
  }
  char *svg = run_dot(s);
  CHECK(svg != NULL);
  /* the label reached Graphviz as written: a"b\c */
  CHECK(svg && strstr(svg, "a&quot;b\\c") != NULL);
  free(svg);
  /* a broken escape would be caught: the same text with the quote unescaped fails */
  char *bad = strdup(s), *q = strstr(bad, "a\\\"b");
  memmove(q + 1, q + 2, strlen(q + 2) + 1);
  svg = run_dot(bad);
  CHECK(svg == NULL);
  free(svg);
  free(bad);
  free(s);
  tg_graph_free(g);
}

TEST(dot_deep_chain_100k) {
  enum { N = 100000 };
  tg_graph *g = tg_graph_new();
  tg_var *y = tg_vector(g, "x", TG_FLOAT64), *one = tg_const_f64(g, 1.0);
  for (int i = 0; i < N; i++) y = tg_add(y, one);
  FILE *fp = tmpfile();
  CHECK_STATUS(tg_graph_dot(TG_VARS(y), fp), TG_OK);
  size_t longest;
  long n_box, n_edges;
  /* N + 2 variables, N boxes, 3 edges per node, the first and last lines */
  long lines = count_lines(fp, &longest, "shape=box", NULL, &n_box);
  count_lines(fp, &longest, " -> ", NULL, &n_edges);
  CHECK(lines == (N + 2) + N + 3L * N + 2);
  CHECK(n_box == N);
  CHECK(n_edges == 3L * N);
  fclose(fp);
  tg_graph_free(g);
}

/* ---- compiled functions ---- */

TEST(function_debugprint_and_dot) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_mul(tg_exp(x), tg_const_f64(g, 2.0));
  /* FAST_COMPILE keeps the two ops apart (FAST_RUN fuses them: see below) */
  tg_options *o = tg_options_new();
  CHECK_STATUS(tg_options_set(o, "mode", "FAST_COMPILE"), TG_OK);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y, x), o);
  CHECK(f != NULL);
  tg_function *fr = tg_function_new(g, TG_VARS(x), TG_VARS(y, x), NULL);
  CHECK(fr != NULL);
  tg_options_free(o);
  tg_graph_free(g); /* the function prints its private graph */
  {
    CAPTURE(s, st, tg_function_debugprint(fr, fp));
    CHECK_STATUS(st, TG_OK);
    CHECK_STR(s, "Composite{exp,mul} [id A] " T1 "\n"
                 " |x [id B] " T1 "\n"
                 "x [id B] " T1 "\n");
    free(s);
  }
  tg_function_free(fr);
  CAPTURE(s, st, tg_function_debugprint(f, fp));
  CHECK_STATUS(st, TG_OK);
  CHECK_STR(s, "Elemwise{mul} [id A] " T1 "\n"
               " |Elemwise{exp} [id B] " T1 "\n"
               " | |x [id C] " T1 "\n"
               " |TensorConstant{2.0} [id D] <TensorType(float64, ())>\n"
               "x [id C] " T1 "\n");
  free(s);
  CAPTURE(d, st2, tg_function_dot(f, fp));
  CHECK_STATUS(st2, TG_OK);
  CHECK(strncmp(d, "digraph tgraph {\n", 17) == 0);
  CHECK(strstr(d, "[label=\"Elemwise{exp}\", shape=box];") != NULL);
  CHECK(strstr(d, "[label=\"Elemwise{mul}\", shape=box];") != NULL);
  CHECK(strstr(d, "x\\nTensorType(float64, (?,))\", shape=ellipse, style=filled, "
                  "fillcolor=lightblue];") != NULL); /* x is an output too */
  CHECK(strlen(d) > 2 && strcmp(d + strlen(d) - 2, "}\n") == 0);
  if (access("/usr/bin/dot", X_OK) == 0) {
    char *svg = run_dot(d);
    CHECK(svg != NULL);
    free(svg);
  }
  free(d);
  tg_function_free(f);
}

/* ---- errors ---- */

TEST(null_and_bad_arguments) {
  tg_graph *g = tg_graph_new(), *h = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(h, "B", TG_FLOAT64);
  FILE *fp = fopen("/dev/null", "w");
  CHECK_STATUS(tg_debugprint(0, (tg_var *[]){A}, fp), TG_ERR_ARG);
  CHECK_STATUS(tg_debugprint(1, NULL, fp), TG_ERR_ARG);
  CHECK_STATUS(tg_debugprint(1, (tg_var *[]){NULL}, fp), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "output 0 is NULL");
  CHECK_STATUS(tg_debugprint(1, (tg_var *[]){A}, NULL), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "stream is NULL");
  CHECK_STATUS(tg_debugprint(TG_VARS(A, B), fp), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "output 1 belongs to another graph");
  CHECK_STATUS(tg_graph_dot(0, (tg_var *[]){A}, fp), TG_ERR_ARG);
  CHECK_STATUS(tg_graph_dot(1, NULL, fp), TG_ERR_ARG);
  CHECK_STATUS(tg_graph_dot(1, (tg_var *[]){NULL}, fp), TG_ERR_ARG);
  CHECK_STATUS(tg_graph_dot(1, (tg_var *[]){A}, NULL), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "tg_graph_dot");
  CHECK(tg_pp(NULL) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "tg_pp");
  CHECK_STATUS(tg_function_debugprint(NULL, fp), TG_ERR_ARG);
  CHECK_STATUS(tg_function_dot(NULL, fp), TG_ERR_ARG);
  tg_function *f = tg_function_new(g, TG_VARS(A), TG_VARS(tg_exp(A)), NULL);
  CHECK_STATUS(tg_function_debugprint(f, NULL), TG_ERR_ARG);
  CHECK_STATUS(tg_function_dot(f, NULL), TG_ERR_ARG);
  tg_function_free(f);
  fclose(fp);
  tg_graph_free(g);
  tg_graph_free(h);
}

TEST(write_errors_give_io) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64);
  tg_var *y = tg_exp(A);
  tg_function *f = tg_function_new(g, TG_VARS(A), TG_VARS(y), NULL);
  /* a stream open for reading only: every write fails at once */
  char path[] = "/tmp/tg_print_ro_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  FILE *ro = fopen(path, "r");
  CHECK_STATUS(tg_debugprint(TG_VARS(y), ro), TG_ERR_IO);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "tg_debugprint: writing to the stream failed");
  CHECK_STATUS(tg_graph_dot(TG_VARS(y), ro), TG_ERR_IO);
  CHECK_STATUS(tg_function_debugprint(f, ro), TG_ERR_IO);
  CHECK_STATUS(tg_function_dot(f, ro), TG_ERR_IO);
  fclose(ro);
  unlink(path);
  /* a full device: the writes are buffered and the error shows when flushing */
  FILE *full = fopen("/dev/full", "w");
  if (!full) {
    tg_function_free(f);
    tg_graph_free(g);
    SKIP("/dev/full is missing: the buffered-write failure case did not run");
  }
  CHECK_STATUS(tg_debugprint(TG_VARS(y), full), TG_ERR_IO);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "No space left");
  clearerr(full);
  CHECK_STATUS(tg_graph_dot(TG_VARS(y), full), TG_ERR_IO);
  fclose(full);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- allocation-failure sweep ---- */

static struct {
  long n, fail_at, live;
} ca;

static void *counting_alloc(void *ud, void *p, size_t n) {
  (void)ud;
  if (n == 0) {
    if (p) ca.live--;
    free(p);
    return NULL;
  }
  if (++ca.n == ca.fail_at) return NULL;
  void *q = realloc(p, n);
  if (q && !p) ca.live++;
  return q;
}

typedef enum { S_PP, S_DEBUGPRINT, S_DOT, S_FDEBUGPRINT, S_FDOT } scenario;

/* Run one printer under the counting allocator failing allocation k (0: none). Returns
   its status; *printed is the length of what it wrote. */
static tg_status run_scenario(scenario sc, tg_var *y, tg_function *f, long k, long *count,
                              size_t *printed) {
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&buf, &len); /* libc memory, outside the counted allocator */
  ca.n = 0, ca.fail_at = k, ca.live = 0;
  tg_set_allocator(counting_alloc, NULL);
  tg_status st = TG_OK;
  char *s;
  switch (sc) {
    case S_PP:
      s = tg_pp(y);
      st = s ? TG_OK : tg_errstatus();
      tg_free(s);
      break;
    case S_DEBUGPRINT: st = tg_debugprint(TG_VARS(y), fp); break;
    case S_DOT: st = tg_graph_dot(TG_VARS(y), fp); break;
    case S_FDEBUGPRINT: st = tg_function_debugprint(f, fp); break;
    case S_FDOT: st = tg_function_dot(f, fp); break;
  }
  tg_set_allocator(NULL, NULL);
  *count = ca.n;
  fclose(fp);
  *printed = len;
  free(buf);
  return st;
}

TEST(allocation_failure_sweep) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = x;
  /* deep enough that tg_pp grows both its stack (64 frames) and its string (256 bytes) */
  for (int i = 0; i < 70; i++) y = tg_mul(tg_add(y, tg_const_f64(g, 1.0)), x);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  CHECK(f != NULL);
  for (scenario sc = S_PP; sc <= S_FDOT; sc++) {
    long n;
    size_t printed;
    CHECK_STATUS(run_scenario(sc, y, f, 0, &n, &printed), TG_OK);
    CHECK(n >= 2);
    CHECK(ca.live == 0);
    CHECK(sc == S_PP || printed > 0);
    for (long k = 1; k <= n; k++) {
      long n2;
      tg_status st = run_scenario(sc, y, f, k, &n2, &printed);
      if (st != TG_ERR_NOMEM)
        TH_FAIL("scenario %d, failing allocation %ld of %ld: got %s", (int)sc, k, n,
                tg_status_name(st));
      if (ca.live != 0) TH_FAIL("scenario %d, failing allocation %ld: %ld blocks leaked",
                                (int)sc, k, ca.live);
      /* nothing is written before all memory is taken */
      if (printed != 0) TH_FAIL("scenario %d, failing allocation %ld: %zu bytes written",
                                (int)sc, k, printed);
      th_checks += 3;
    }
  }
  tg_function_free(f);
  tg_graph_free(g);
}

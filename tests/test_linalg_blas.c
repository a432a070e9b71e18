/* test_linalg_blas.c: the internal matrix product tgi_gemm (CBLAS in a BLAS build, the
   built-in kernel otherwise) and the built-in blocked kernel itself, against a naive loop
   written here, on random matrices of awkward sizes (1, 7, 33, 65, 130, and sizes that
   cross the kernel's block edges) in every layout an operand can have: row-major,
   column-major (a transposed view), padded rows, gaps (sliced), negative and zero strides;
   the result also goes to column-major and gapped outputs. In a BLAS build this is where
   BLAS and the fallback are compared with each other. */
#include "linalg_check.h"
#include "ops/blas.h"

enum { L_ROW, L_COL, L_PAD, L_GAP, L_NEG, L_ZERO, L_COUNT };
static const char *const lname[] = {"row", "col", "pad", "gap", "neg", "zero"};

/* A rows x cols view in layout l over a fresh buffer (*buf, to free), filled from src
   (row-major doubles) converted to dt. Zero-stride layouts repeat row 0 (src is changed to
   match, so the reference sees the same values). */
static tgi_mat make(int l, tg_dtype dt, int64_t rows, int64_t cols, double *src, char **buf) {
  int64_t e = (int64_t)tg_dtype_size(dt), r1 = rows ? rows : 1, c1 = cols ? cols : 1;
  size_t n = (size_t)(4 * r1 * c1 + 8) * (size_t)e;
  *buf = calloc(1, n);
  tgi_mat m = {*buf, rows, cols, 0, 0};
  switch (l) {
    case L_ROW: m.rs = c1 * e, m.cs = e; break;
    case L_COL: m.rs = e, m.cs = r1 * e; break;
    case L_PAD: m.rs = (c1 + 3) * e, m.cs = e; break;
    case L_GAP: m.rs = 2 * c1 * e, m.cs = 2 * e; break;
    case L_NEG: m.rs = -c1 * e, m.cs = -e, m.p = *buf + ((r1 - 1) * c1 + c1 - 1) * e; break;
    case L_ZERO: m.rs = 0, m.cs = e; break;
  }
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) {
      if (l == L_ZERO) src[i * cols + j] = src[j];
      char *p = m.p + i * m.rs + j * m.cs;
      if (dt == TG_FLOAT32) *(float *)p = (float)src[i * cols + j];
      else *(double *)p = src[i * cols + j];
      if (dt == TG_FLOAT32) src[i * cols + j] = *(float *)p; /* the rounded value */
    }
  return m;
}

static double get(tg_dtype dt, const tgi_mat *m, int64_t i, int64_t j) {
  const char *p = m->p + i * m->rs + j * m->cs;
  return dt == TG_FLOAT32 ? *(const float *)p : *(const double *)p;
}

/* One product in layouts (la, lb, lc) by tgi_gemm and by the built-in kernel, both checked
   against the naive product. Returns false on a mismatch (printed). */
static bool one(tg_dtype dt, int64_t m, int64_t n, int64_t k, int la, int lb, int lc) {
  double *sa = malloc(sizeof(double) * (size_t)(m * k + 1));
  double *sb = malloc(sizeof(double) * (size_t)(k * n + 1));
  for (int64_t i = 0; i < m * k; i++) sa[i] = la_rand();
  for (int64_t i = 0; i < k * n; i++) sb[i] = la_rand();
  char *ba, *bb, *bc;
  tgi_mat a = make(la, dt, m, k, sa, &ba), b = make(lb, dt, k, n, sb, &bb);
  bool ok = true;
  for (int which = 0; which < 2 && ok; which++) {
    double *junk = malloc(sizeof(double) * (size_t)(m * n + 1));
    for (int64_t i = 0; i < m * n; i++) junk[i] = NAN; /* a product must overwrite all */
    tgi_mat c = make(lc, dt, m, n, junk, &bc);
    free(junk);
    tgi_err err = {TG_OK, ""};
    tg_status st = which ? tgi_gemm_builtin(dt, &a, &b, &c, &err, "test")
                         : tgi_gemm(dt, &a, &b, &c, &err, "test");
    ok = st == TG_OK;
    double tol = dt == TG_FLOAT32 ? 2e-6 : 1e-13;
    for (int64_t i = 0; i < m && ok; i++)
      for (int64_t j = 0; j < n && ok; j++) {
        double s = 0, mag = 0;
        for (int64_t p = 0; p < k; p++) s += sa[i * k + p] * sb[p * n + j], mag += fabs(sa[i * k + p] * sb[p * n + j]);
        double got = get(dt, &c, i, j);
        if (!(fabs(got - s) <= tol * (mag + 1))) {
          fprintf(stderr, "%s %s m=%lld n=%lld k=%lld a=%s b=%s c=%s: (%lld,%lld) %.10g vs %.10g\n",
                  which ? "builtin" : tgi_blas_name(), tg_dtype_name(dt), (long long)m,
                  (long long)n, (long long)k, lname[la], lname[lb], lname[lc], (long long)i,
                  (long long)j, got, s);
          ok = false;
        }
      }
    free(bc);
  }
  free(ba);
  free(bb);
  free(sa);
  free(sb);
  return ok;
}

static const int64_t sizes[] = {1, 7, 33, 65, 130};

TEST(awkward_sizes_every_size_combination) {
  int rot = 0;
  for (int d = 0; d < 2; d++) {
    tg_dtype dt = d ? TG_FLOAT64 : TG_FLOAT32;
    for (int i = 0; i < 5; i++)
      for (int j = 0; j < 5; j++)
        for (int k = 0; k < 5; k++, rot++) /* layouts rotate so every pairing appears */
          CHECK(one(dt, sizes[i], sizes[j], sizes[k], rot % L_COUNT, (rot / L_COUNT) % L_COUNT,
                    (rot / 3) % 4));
  }
}

TEST(every_layout_combination) {
  for (int d = 0; d < 2; d++)
    for (int la = 0; la < L_COUNT; la++)
      for (int lb = 0; lb < L_COUNT; lb++)
        for (int lc = 0; lc < 4; lc++) { /* outputs: row, col, pad, gap */
          tg_dtype dt = d ? TG_FLOAT64 : TG_FLOAT32;
          CHECK(one(dt, 33, 65, 7, la, lb, lc));
          CHECK(one(dt, 1, 65, 33, la, lb, lc));  /* row vector times matrix: gemv */
          CHECK(one(dt, 65, 1, 33, la, lb, lc));  /* matrix times vector: gemv */
          CHECK(one(dt, 1, 1, 130, la, lb, lc));  /* dot */
          CHECK(one(dt, 33, 7, 1, la, lb, lc));   /* outer: ger */
        }
}

TEST(block_edges_of_the_builtin_kernel) {
  /* the built-in kernel blocks 128 rows, 256 of the sum and 512 columns at a time */
  CHECK(one(TG_FLOAT64, 130, 520, 300, L_ROW, L_ROW, L_ROW));
  CHECK(one(TG_FLOAT32, 257, 13, 513, L_COL, L_GAP, L_COL));
  CHECK(one(TG_FLOAT64, 129, 515, 257, L_NEG, L_COL, L_GAP));
}

TEST(empty_products) {
  for (int d = 0; d < 2; d++) {
    tg_dtype dt = d ? TG_FLOAT64 : TG_FLOAT32;
    CHECK(one(dt, 0, 5, 3, L_ROW, L_ROW, L_ROW));
    CHECK(one(dt, 4, 0, 3, L_ROW, L_COL, L_ROW));
    CHECK(one(dt, 4, 5, 0, L_COL, L_ROW, L_GAP)); /* an empty sum gives zeros */
    CHECK(one(dt, 1, 1, 0, L_ROW, L_ROW, L_ROW));
  }
}

TEST(names_the_implementation) {
  const char *n = tgi_blas_name();
  CHECK(strcmp(n, "openblas (cblas)") == 0 || strcmp(n, "built-in") == 0);
}

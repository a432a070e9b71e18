/* test_native_batch.c: kernels logged by the reference linker (TGRAPH_KERNEL_LOG) and
   compiled in batches (tgi_cg_build, `tgraph cache build`): what is logged, that a native
   compile afterwards finds every kernel in the cache without running the compiler and
   computes what the reference does, that a second build compiles nothing, and what
   happens to bad logs (a cut file, an unsafe directory, a body that does not compile),
   to a batch entry that was pruned or corrupted, and when allocations fail.
   Runs in private directories: the cache through XDG_CACHE_HOME, set before anything
   reads it. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_sweep.h"
#include "backend/cpu/codegen.h"
#include "test_native_util.h"

static char root[256], logdir[300], cachedir[300];

/* Files in dir whose names end with ext. */
static int count_files(const char *dir, const char *ext) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name), e = strlen(ext);
    n += l > e && strcmp(de->d_name + l - e, ext) == 0;
  }
  if (d) closedir(d);
  return n;
}

/* Path of the first file in dir ending with ext into buf; false when none. */
static bool first_file(const char *dir, const char *ext, char *buf, size_t n) {
  DIR *d = opendir(dir);
  struct dirent *de;
  bool found = false;
  while (!found && d && (de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name), e = strlen(ext);
    if (l > e && strcmp(de->d_name + l - e, ext) == 0) {
      snprintf(buf, n, "%s/%s", dir, de->d_name);
      found = true;
    }
  }
  if (d) closedir(d);
  return found;
}

static void rm_tree(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  char p[600];
  while (d && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
    if (unlink(p) != 0) rm_tree(p);
  }
  if (d) closedir(d);
  rmdir(dir);
}

/* The functions of the test, one case each: f(x, y) over float32 or float64 vectors. */
enum { NCASES = 5 };
static tg_var *build_case(tg_graph *g, int c, tg_var **x, tg_var **y) {
  tg_dtype dt = c % 2 ? TG_FLOAT32 : TG_FLOAT64;
  *x = tg_vector(g, "x", dt), *y = tg_vector(g, "y", dt);
  switch (c) {
    case 0: return tg_add(tg_mul(tg_exp(*x), *y), tg_const_f64(g, 1.0));
    case 1: return tg_tanh(tg_sub(*x, tg_mul(*y, *y)));
    case 2: return tg_sum(tg_sqr(tg_sub(*x, *y)), 0, NULL, false); /* a fused reduction */
    case 3: return tg_maximum(tg_neg(*x), tg_sqrt(tg_abs(*y)));
    default: return tg_log1p(tg_add(tg_abs(*x), tg_sigmoid(*y)));
  }
}

static tg_array *run_case(int c, const char *linker, int *kernels) {
  tg_graph *g = tg_graph_new();
  tg_var *x, *y, *out = build_case(g, c, &x, &y);
  tg_var *in[2] = {x, y};
  tg_function *f = tn_compile(g, 2, in, 1, &out, linker);
  tg_array *res = NULL;
  if (f) {
    double xv[7] = {-2.5, -1, -0.0, 0.25, 1, 3, 7.5}, yv[7] = {0.5, 2, -3, 1e-3, -0.75, 4, -9};
    tg_dtype dt = c % 2 ? TG_FLOAT32 : TG_FLOAT64;
    tg_array *a = tg_array_from_f64(1, (int64_t[]){7}, xv), *b = tg_array_from_f64(1, (int64_t[]){7}, yv);
    tg_array *ac = tg_array_astype(a, dt), *bc = tg_array_astype(b, dt);
    tg_array *args[2] = {ac, bc};
    CHECK(tg_function_call(f, args, &res) == TG_OK);
    if (kernels) *kernels = tn_kernels(f);
    tg_array_unref(a), tg_array_unref(b), tg_array_unref(ac), tg_array_unref(bc);
    tg_function_free(f);
  }
  tg_graph_free(g);
  return res;
}

/* Compile every case with the reference linker while logging, compare nothing yet. */
static void log_all(void) {
  for (int c = 0; c < NCASES; c++) {
    int k = -1;
    tg_array *r = run_case(c, "ref", &k);
    CHECK(r != NULL);
    CHECK(k == 0); /* the reference linker only logs */
    tg_array_unref(r);
  }
}

static int nkernels; /* distinct kernels of the cases, as logged */

TEST(log_then_build_then_load) {
  if (!tn_have_cc()) SKIP("no C compiler");
  tgi_native_stats s0, s1, s2;
  tgi_native_get_stats(&s0);
  log_all();
  tgi_native_get_stats(&s1);
  CHECK(s1.compiles == s0.compiles); /* logging never runs the compiler */
  nkernels = count_files(logdir, ".k");
  CHECK(nkernels >= NCASES); /* at least one kernel a case */
  /* the same functions again log nothing new */
  log_all();
  CHECK(count_files(logdir, ".k") == nkernels);

  tgi_cg_build_stats bs;
  tgi_err err = {TG_OK, ""};
  CHECK(tgi_cg_build(logdir, 2, &bs, &err) == TG_OK);
  CHECK(bs.kernels == nkernels);
  CHECK(bs.compiled == nkernels);
  CHECK(bs.cached == 0);
  CHECK(bs.batches == 1); /* a few small kernels: one compiler run */
  CHECK(bs.failed_batches == 0);
  CHECK(count_files(cachedir, ".ln") == nkernels);
  tgi_native_usage u;
  CHECK(tgi_native_cache_usage(cachedir, &u, &err) == TG_OK);
  CHECK(u.entries == 1);
  CHECK(u.aliases == nkernels);

  /* native compiles now load the batch: no compiler run, the reference's values */
  tgi_native_get_stats(&s1);
  for (int c = 0; c < NCASES; c++) {
    int k = 0;
    tg_array *nat = run_case(c, "native", &k), *ref = run_case(c, "ref", NULL);
    CHECK(k >= 1);
    if (nat && ref) CHECK(tn_same(nat, ref, 4, "batch-compiled kernel vs reference") == 0);
    tg_array_unref(nat), tg_array_unref(ref);
  }
  tgi_native_get_stats(&s2);
  CHECK(s2.compiles == s1.compiles);
  CHECK(s2.disk_hits > s1.disk_hits);

  /* a second build finds everything cached */
  CHECK(tgi_cg_build(logdir, 1, &bs, &err) == TG_OK);
  CHECK(bs.kernels == nkernels);
  CHECK(bs.cached == nkernels);
  CHECK(bs.compiled == 0);
  CHECK(bs.batches == 0);
}

/* Kernels compiled for one function are found by the next one that has them: the second
   function compiles only what is new to it. */
TEST(kernels_shared_between_functions) {
  if (!tn_have_cc()) SKIP("no C compiler");
  tgi_native_stats s0, s1, s2, s3;
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32), *y = tg_matrix(g, "y", TG_FLOAT32);
  tg_var *a = tg_mul(tg_cos(x), tg_const_f64(g, 3.0));     /* one kernel */
  tg_var *b = tg_add(tg_tanh(y), tg_const_f64(g, 1.0));    /* another: a matrix */
  tg_var *in[2] = {x, y}, *outs[2] = {a, b};
  tgi_native_get_stats(&s0);
  tg_function *f1 = tn_compile(g, 2, in, 1, &a, "native");
  tgi_native_get_stats(&s1);
  CHECK(s1.compiles == s0.compiles + 1);
  tg_function *f2 = tn_compile(g, 2, in, 2, outs, "native"); /* a's kernel is known */
  tgi_native_get_stats(&s2);
  CHECK(f2 && tn_kernels(f2) == 2);
  CHECK(s2.compiles == s1.compiles + 1);
  CHECK(s2.disk_hits + s2.memory_hits > s1.disk_hits + s1.memory_hits);
  tg_function *f3 = tn_compile(g, 2, in, 2, outs, "native"); /* all known now */
  tgi_native_get_stats(&s3);
  CHECK(f3 && tn_kernels(f3) == 2);
  CHECK(s3.compiles == s2.compiles);
  tg_function_free(f1), tg_function_free(f2), tg_function_free(f3);
  tg_graph_free(g);
}

/* A kernel whose batch entry is gone or damaged compiles again; prune drops the aliases
   that point nowhere. */
TEST(pruned_or_corrupt_batch) {
  if (!tn_have_cc()) SKIP("no C compiler");
  char so[600];
  CHECK(first_file(cachedir, ".so", so, sizeof so));
  /* flip a byte inside the object: the trailer's hash no longer matches */
  int fd = open(so, O_RDWR);
  CHECK(fd >= 0);
  unsigned char b = 0;
  CHECK(pread(fd, &b, 1, 100) == 1);
  b ^= 0xff;
  CHECK(pwrite(fd, &b, 1, 100) == 1);
  close(fd);
  /* this process verified the file before: a rewrite in place keeps the inode, so rename
     a copy over it the way a damaged publication would arrive */
  char tmp[620];
  snprintf(tmp, sizeof tmp, "%s.copy", so);
  FILE *in = fopen(so, "rb"), *out = fopen(tmp, "wb");
  CHECK(in && out);
  for (int ch; in && out && (ch = fgetc(in)) != EOF;) fputc(ch, out);
  if (in) fclose(in);
  if (out) fclose(out);
  CHECK(rename(tmp, so) == 0);
  tgi_native_stats s0, s1;
  tgi_native_get_stats(&s0);
  int k = 0;
  tg_array *nat = run_case(0, "native", &k), *ref = run_case(0, "ref", NULL);
  tgi_native_get_stats(&s1);
  CHECK(s1.compiles - s0.compiles == 1); /* compiled alone */
  CHECK(k >= 1);
  if (nat && ref) CHECK(tn_same(nat, ref, 4, "kernel compiled alone") == 0);
  tg_array_unref(nat), tg_array_unref(ref);

  /* remove the batch: prune takes away the aliases that still name it */
  CHECK(unlink(so) == 0);
  tgi_native_usage removed, u;
  tgi_err err = {TG_OK, ""};
  CHECK(tgi_native_cache_usage(cachedir, &u, &err) == TG_OK);
  long before = u.aliases;
  CHECK(tgi_native_cache_prune(cachedir, 0, &removed, &err) == TG_OK);
  CHECK(tgi_native_cache_usage(cachedir, &u, &err) == TG_OK);
  CHECK(removed.aliases >= 1);
  CHECK(u.aliases == before - removed.aliases);
  /* what is left names the object compiled for case 0: found, not compiled again */
  tgi_native_get_stats(&s0);
  tg_array_unref(run_case(0, "native", &k));
  tgi_native_get_stats(&s1);
  CHECK(s1.compiles == s0.compiles);
  CHECK(k >= 1);
}

/* Bad logs: a file that is not what its name says is left alone; a body that does not
   compile fails its batch with the compiler's message, and the other batches still
   publish; an unsafe log directory is refused. */
TEST(bad_logs) {
  if (!tn_have_cc()) SKIP("no C compiler");
  char p[700];
  snprintf(p, sizeof p, "%s/%064d-O3.k", logdir, 0);
  FILE *fp = fopen(p, "w");
  CHECK(fp != NULL);
  if (fp) fputs("void TGK(k0_c)(void) {}\n", fp), fclose(fp);
  /* a body that does not compile, logged properly (its name is its hash) at -O1, so it
     is alone in its batch */
  const char *bad = "void TGK(c)(void) { this is not C; }\n";
  tgi_cg_log(logdir, bad, strlen(bad), 1);
  CHECK(count_files(logdir, ".k") == nkernels + 2);
  tgi_cg_build_stats bs;
  tgi_err err = {TG_OK, ""};
  tg_status st = tgi_cg_build(logdir, 2, &bs, &err);
  CHECK(st == TG_ERR_RUNTIME);
  CHECK_ERROR_CONTAINS(err.msg, "the C compiler failed");
  CHECK(bs.kernels == nkernels + 2);
  CHECK(bs.unreadable == 1);
  CHECK(bs.failed_batches == 1);
  CHECK(bs.compiled + bs.cached == nkernels);

  CHECK(chmod(logdir, 0777) == 0);
  err = (tgi_err){TG_OK, ""}; /* an error keeps its first message */
  st = tgi_cg_build(logdir, 1, &bs, &err);
  CHECK(st == TG_ERR_IO);
  CHECK_ERROR_CONTAINS(err.msg, "writable by group or others");
  CHECK(chmod(logdir, 0700) == 0);
  st = tgi_cg_build(NULL, 1, &bs, &err);
  CHECK(st == TG_ERR_ARG);
  char missing[400];
  snprintf(missing, sizeof missing, "%s/none", root);
  CHECK(tgi_cg_build(missing, 1, &bs, &err) == TG_ERR_IO);
  unlink(p);
}

/* Every allocation of a build failing in turn: TG_ERR_NOMEM and nothing leaked. The
   cache is emptied before each run so that each one compiles. */
static tg_status build_once(void) {
  tgi_native_usage u;
  tgi_err err = {TG_OK, ""};
  int armed = C.armed;
  C.armed = 0;
  tgi_native_cache_clear(cachedir, &u, &err);
  C.armed = armed;
  tgi_cg_build_stats bs;
  C.armed = 1;
  tg_status st = tgi_cg_build(logdir, 1, &bs, &err);
  C.armed = 0;
  return st;
}

TEST(alloc_failures) {
  if (!tn_have_cc()) SKIP("no C compiler");
  /* one small unit keeps the sweep short */
  rm_tree(logdir);
  CHECK(mkdir(logdir, 0700) == 0);
  tg_array_unref(run_case(3, "ref", NULL));
  CHECK(count_files(logdir, ".k") == 1);
  sweep("tgi_cg_build", build_once);
}

static void cleanup(void) { rm_tree(root); }

/* Private directories, made before main runs the cases (and before anything reads the
   configuration). */
__attribute__((constructor)) static void setup(void) {
  const char *t = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/tgbatch-XXXXXX", t && t[0] == '/' ? t : "/tmp");
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    exit(1);
  }
  snprintf(logdir, sizeof logdir, "%s/log", root);
  snprintf(cachedir, sizeof cachedir, "%s/tgraph", root);
  mkdir(logdir, 0700);
  setenv("XDG_CACHE_HOME", root, 1);
  setenv("TGRAPH_KERNEL_LOG", logdir, 1);
  atexit(cleanup);
}

/* w6_compile.c: W6, compile time of an elementwise chain (mul, add, maximum with the input in turn, so no
   rewrite can shorten it) through tg_function_new on the native backend, each measured in
   a fresh process (this program run again with --child) so nothing is cached in memory:
     w6_compile_200_cold   200 ops, empty cache directory: rewrites, code generation and
                           the C compiler (budget 0.25 s)
     w6_compile_200_warm   200 ops, the cache filled by a previous process (budget 10 ms)
     w6_compile_2000       2,000 ops, cold (budget 2 s)
     w6_compile_10000      10,000 ops, cold (budget 2 s)
   Each chain is one fused kernel of that many steps; codegen.c decides which kernels are
   compiled (and at which -O level) and which run on the reference kernels.
   The ref column is the budget, so ratio <= 1 means the target is met.
   Run: build/bench/w6_compile [reps]. */
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "tgraph/tgraph.h"

extern char **environ;

/* Child: compile the chain of n ops, write the seconds tg_function_new took to path. */
static int child(int n, const char *path) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = x;
  for (int i = 0; i < n; i++) y = i % 3 == 0 ? tg_mul(y, x) : i % 3 == 1 ? tg_add(y, x) : tg_maximum(y, x);
  double t0 = bench_now();
  tg_function *f = tg_function_new(g, 1, &x, 1, &y, NULL);
  double t = bench_now() - t0;
  if (!f) {
    fprintf(stderr, "w6_compile: %s\n", tg_graph_error(g));
    return 1;
  }
  tg_array *in = tg_array_from_f64(1, (int64_t[]){4}, (double[]){0.1, 0.2, 0.3, 0.4}), *out = NULL;
  if (tg_function_call(f, &in, &out) != TG_OK) return 1;
  FILE *fp = fopen(path, "w");
  if (!fp) return 1;
  fprintf(fp, "%.9f\n", t);
  fclose(fp);
  tg_array_unref(in), tg_array_unref(out);
  tg_function_free(f);
  tg_graph_free(g);
  return 0;
}

static char self[4096];

/* Run the child for n ops with compiledir dir; the seconds, or -1. */
static double measure(int n, const char *dir) {
  char flags[4200], num[32], out[4200];
  snprintf(flags, sizeof flags, "TGRAPH_FLAGS=linker=native,compiledir=%s", dir);
  snprintf(num, sizeof num, "%d", n);
  snprintf(out, sizeof out, "%s/time.txt", dir);
  char *argv[] = {self, "--child", num, out, NULL};
  /* the environment with our own TGRAPH_FLAGS */
  int ne = 0;
  while (environ[ne]) ne++;
  char **env = calloc((size_t)ne + 2, sizeof *env);
  if (!env) return -1;
  int k = 0;
  for (int i = 0; i < ne; i++)
    if (strncmp(environ[i], "TGRAPH_FLAGS=", 13) != 0) env[k++] = environ[i];
  env[k++] = flags;
  pid_t pid;
  int st = 0;
  int rc = posix_spawn(&pid, self, NULL, NULL, argv, env);
  free(env);
  if (rc != 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
  FILE *fp = fopen(out, "r");
  double t = -1;
  if (!fp || fscanf(fp, "%lf", &t) != 1) t = -1;
  if (fp) fclose(fp);
  return t;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

static double cold(int n, int reps) {
  double t[BENCH_MAX_REPS];
  if (reps > BENCH_MAX_REPS) reps = BENCH_MAX_REPS;
  for (int r = 0; r < reps; r++) {
    char dir[] = "/tmp/tg_w6_XXXXXX";
    if (!mkdtemp(dir)) return -1;
    t[r] = measure(n, dir);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (t[r] < 0) return -1;
  }
  return bench_median(t, reps);
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--child") == 0) return child(atoi(argv[2]), argv[3]);
  ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
  if (k <= 0) return 1;
  self[k] = '\0';
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  if (reps < 1) reps = 1;
  double c200 = cold(200, reps);
  bench_report("w6_compile_200_cold", c200, 0.25, "s", 1);
  char dir[] = "/tmp/tg_w6_XXXXXX";
  double w200 = -1;
  if (mkdtemp(dir) && measure(200, dir) >= 0) { /* fill the cache, then new processes */
    double t[BENCH_MAX_REPS];
    int n = reps < BENCH_MAX_REPS ? reps : BENCH_MAX_REPS;
    for (int r = 0; r < n; r++) t[r] = measure(200, dir);
    w200 = bench_median(t, n);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  }
  bench_report("w6_compile_200_warm", w200 * 1e3, 10, "ms", 1);
  /* Chains this long are not compiled (codegen.c: -O3's time grows faster than the body):
     they run on the reference kernels, so these measure the rest of tg_function_new. */
  bench_report("w6_compile_2000", cold(2000, reps), 2, "s", 1);
  bench_report("w6_compile_10000", cold(10000, reps < 3 ? reps : 3), 2, "s", 1);
  return 0;
}

/* native_compile.c: the native backend's compiler driver and cache (W6's driver part; the
   200-op chain proper needs the code generator). The source is a hand-written kernel of
   the shape the generator will emit: one loop over an elementwise chain of 200 scalar ops.
     native_compile_cold  tgi_native_load with an empty cache (hash, compile, load, publish)
                          vs a bare `cc` run with the same flags on the same file
     native_load_warm     tgi_native_load of a cached entry in a new process (compiler
                          identity from the on-disk memo, entry check, dlopen)
                          vs a bare dlopen of the same object in a new process
     native_load_disk     the same inside one process (the in-memory table emptied first)
                          vs a bare dlopen in this process
   Run: build/bench/native_compile [reps]. Uses a private temporary cache directory. */
#include <dlfcn.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/backend/cpu/native.h"
#include "bench.h"

extern char **environ;

/* The kernel: y[i] = a chain of 200 ops on x[i]; nonce makes each source a new key. */
static char *chain_src(int nonce) {
  size_t cap = 64 * 1024, k = 0;
  char *s = malloc(cap);
  if (!s) return NULL;
  k += (size_t)snprintf(s + k, cap - k,
                        "/* nonce %d %ld */\n#include <math.h>\n#include <stdint.h>\n"
                        "void tg_kernel(int64_t n, const double *restrict x, "
                        "double *restrict y) {\n  for (int64_t i = 0; i < n; i++) {\n"
                        "    double v = x[i];\n",
                        nonce, (long)getpid());
  static const char *const ops[] = {"v = v * 1.0001 + 0.25;", "v = sqrt(fabs(v) + 1.0);",
                                    "v = v - 0.125 * v * v;", "v = exp(-v * v);",
                                    "v = log1p(fabs(v));"};
  for (int i = 0; i < 200; i++)
    k += (size_t)snprintf(s + k, cap - k, "    %s\n", ops[i % 5]);
  snprintf(s + k, cap - k, "    y[i] = v;\n  }\n}\n");
  return s;
}

static int write_file(const char *path, const char *s) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs(s, f);
  return fclose(f);
}

static int spawn_wait(char **argv) {
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) return -1;
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  remove(p);
  return 0;
}

/* Child mode: argv = self --warm SRCFILE SOFILE; prints "<load s> <dlopen s>". */
static int warm_child(const char *srcfile, const char *sofile) {
  FILE *f = fopen(srcfile, "r");
  if (!f) return 1;
  static char src[64 * 1024];
  size_t n = fread(src, 1, sizeof src - 1, f);
  fclose(f);
  src[n] = 0;
  tgi_err err = {0};
  double t0 = bench_now();
  tgi_native_lib *lib = tgi_native_load(src, n, &err);
  double t1 = bench_now();
  if (!lib || !tgi_native_sym(lib, "tg_kernel")) {
    fprintf(stderr, "warm load failed: %s\n", err.msg);
    return 1;
  }
  tgi_native_stats st;
  tgi_native_get_stats(&st);
  if (st.compiles) {
    fprintf(stderr, "warm load compiled\n");
    return 1;
  }
  double t2 = bench_now();
  void *h = dlopen(sofile, RTLD_NOW | RTLD_LOCAL);
  double t3 = bench_now();
  if (!h) return 1;
  printf("%.9f %.9f\n", t1 - t0, t3 - t2);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--warm") == 0) return warm_child(argv[2], argv[3]);
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  if (reps < 1 || reps > BENCH_MAX_REPS) reps = 5;
  char base[] = "/tmp/tg-bench-native-XXXXXX";
  if (!mkdtemp(base)) return 1;
  char dir[256], cfile[300], sofile[300];
  snprintf(dir, sizeof dir, "%s/cache", base);
  snprintf(cfile, sizeof cfile, "%s/ref.c", base);
  snprintf(sofile, sizeof sofile, "%s/ref.so", base);
  tg_config_set("compiledir", dir);
  tgi_err err = {0};
  const char *cc = tgi_native_compiler(&err);
  if (!cc) {
    fprintf(stderr, "native_compile: %s\n", err.msg);
    nftw(base, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
  }
  const char *ccname = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
  double cold[BENCH_MAX_REPS], ref[BENCH_MAX_REPS], disk[BENCH_MAX_REPS],
      dlref[BENCH_MAX_REPS];
  int status = 0;
  char *last = NULL;
  for (int r = -1; r < reps && !status; r++) { /* r = -1: warm-up (page cache, probe) */
    char *src = chain_src(r + 1000);
    if (!src) return 1;
    double t0 = bench_now();
    tgi_native_lib *lib = tgi_native_load(src, strlen(src), &err);
    double t1 = bench_now();
    if (!lib) {
      fprintf(stderr, "native_compile: %s\n", err.msg);
      status = 1;
    }
    tgi_native_unref(lib); /* empties the in-process table */
    double t2 = bench_now();
    lib = tgi_native_load(src, strlen(src), &err); /* from disk now */
    double t3 = bench_now();
    tgi_native_unref(lib);
    write_file(cfile, src);
    char *cargv[] = {(char *)ccname, "-O3", "-march=native", "-std=c11", "-fPIC", "-shared",
                     "-fno-math-errno", "-pipe", "-w", "-o", sofile, cfile, "-lm", NULL};
    double t4 = bench_now();
    if (spawn_wait(cargv) != 0) status = 1;
    double t5 = bench_now();
    void *h = dlopen(sofile, RTLD_NOW | RTLD_LOCAL);
    double t6 = bench_now();
    if (!h) status = 1;
    else dlclose(h);
    if (r >= 0) cold[r] = t1 - t0, disk[r] = t3 - t2, ref[r] = t5 - t4, dlref[r] = t6 - t5;
    free(last);
    last = src;
  }
  if (!status) {
    bench_report("native_compile_cold", bench_median(cold, reps), bench_median(ref, reps), "s",
                 1);
    bench_report("native_load_disk", 1e3 * bench_median(disk, reps),
                 1e3 * bench_median(dlref, reps), "ms", 1);
    /* a new process per measurement, loading the last source (cached) */
    char srcfile[300], exe[4096];
    snprintf(srcfile, sizeof srcfile, "%s/last.c", base);
    write_file(srcfile, last);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) snprintf(exe, sizeof exe, "%s", argv[0]);
    else exe[n] = 0;
    char flags[400];
    snprintf(flags, sizeof flags, "TGRAPH_FLAGS=compiledir=%s", dir);
    putenv(flags); /* the children cache where this process did */
    double warm[BENCH_MAX_REPS], dl[BENCH_MAX_REPS];
    for (int r = 0; r < reps && !status; r++) {
      char cmd[5000];
      snprintf(cmd, sizeof cmd, "'%s' --warm '%s' '%s'", exe, srcfile, sofile);
      FILE *p = popen(cmd, "r");
      if (!p || fscanf(p, "%lf %lf", &warm[r], &dl[r]) != 2) status = 1;
      if (p && pclose(p) != 0) status = 1;
    }
    if (!status)
      bench_report("native_load_warm", 1e3 * bench_median(warm, reps),
                   1e3 * bench_median(dl, reps), "ms", 1);
  }
  free(last);
  printf("# compiler: %s\n", cc);
  nftw(base, rm_one, 8, FTW_DEPTH | FTW_PHYS);
  return status;
}

/* cmd_cache.c: `tgraph cache info|clear|prune|build`, the disk cache of the native
   backend's compiled code (src/backend/cpu/cache.c): where it is and whether it is safe to
   use, how much it holds, the size limit and the compiler; emptying it; pruning it to the
   limit; compiling a kernel log into it in batches (codegen_batch.c).
   A directory the library would refuse (another owner, writable by others) is reported
   and never cleared or pruned: its files are not ours to delete. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../backend/cpu/codegen.h"
#include "cli.h"

/* "45.2 KiB" */
static const char *human(int64_t b, char *buf, size_t n) {
  static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = (double)b;
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  if (u == 0)
    snprintf(buf, n, "%" PRId64 " bytes", b);
  else
    snprintf(buf, n, "%.1f %s", v, units[u]);
  return buf;
}

/* The configured directory into dir, and whether it exists; false (message printed) when
   none can be named. */
static bool configured(char *dir, size_t n, bool *exists) {
  tgi_err why = {0};
  if (!tgi_native_cache_path(dir, n, &why)) {
    tgi_cli_err("%s", why.msg);
    return false;
  }
  struct stat st;
  *exists = stat(dir, &st) == 0;
  return true;
}

static int cache_info(const char *dir, bool exists) {
  tgi_err why = {0}, err = {0};
  char h[32];
  printf("directory: %s\n", dir);
  bool safe = exists && tgi_native_cache_check(dir, false, &why) == TG_OK;
  if (!exists)
    printf("status:    not created yet (made with mode 0700 on first use)\n");
  else if (safe)
    printf("status:    ok\n");
  else
    printf("status:    refused: %s (compiled code goes to a private temporary directory "
           "of each process)\n", why.msg);
  tgi_native_usage u = {0};
  if (exists && tgi_native_cache_usage(dir, &u, &err) != TG_OK) {
    tgi_cli_err("%s", err.msg);
    return TGI_CLI_FAIL;
  }
  printf("entries:   %ld\n", u.entries);
  if (u.aliases) printf("aliases:   %ld (kernels, each naming the entry that holds it)\n", u.aliases);
  printf("size:      %" PRId64 " bytes", u.bytes);
  printf(u.bytes >= 1024 ? " (%s)\n" : "\n", human(u.bytes, h, sizeof h));
  if (u.partial)
    printf("partial:   %ld temporary files (%" PRId64 " bytes) of publications in progress "
           "or interrupted\n", u.partial, u.partial_bytes);
  int64_t limit = tgi_native_cache_limit();
  if (limit > 0)
    printf("limit:     %" PRId64 " MiB (cache_max_mb); least recently used entries are "
           "pruned beyond it\n", limit >> 20);
  else
    printf("limit:     none (cache_max_mb=0)\n");
  tgi_err cerr = {0};
  const char *cc = tgi_native_compiler(&cerr);
  printf("compiler:  %s\n", cc ? cc : cerr.msg);
  return tgi_cli_finish(TGI_CLI_OK);
}

/* clear or prune (prune: to the configured limit). */
static int cache_remove(const char *dir, bool exists, bool prune) {
  const char *what = prune ? "prune" : "clear";
  tgi_err why = {0}, err = {0};
  if (exists && tgi_native_cache_check(dir, false, &why) != TG_OK) {
    tgi_cli_err("refusing to %s '%s': %s", what, dir, why.msg);
    return TGI_CLI_FAIL;
  }
  tgi_native_usage rm = {0}, left = {0};
  int64_t limit = tgi_native_cache_limit();
  tg_status st = TG_OK;
  if (exists)
    st = prune ? tgi_native_cache_prune(dir, limit, &rm, &err)
               : tgi_native_cache_clear(dir, &rm, &err);
  if (st == TG_OK && exists) st = tgi_native_cache_usage(dir, &left, &err);
  if (st != TG_OK) {
    tgi_cli_err("%s", err.msg);
    return TGI_CLI_FAIL;
  }
  char h[32];
  printf("removed %ld entries (%s)", rm.entries, human(rm.bytes, h, sizeof h));
  if (rm.partial) printf(" and %ld temporary files", rm.partial);
  printf(" from %s\n", dir);
  if (prune) {
    printf("%ld entries (%s) remain", left.entries, human(left.bytes, h, sizeof h));
    if (limit > 0)
      printf("; limit %" PRId64 " MiB\n", limit >> 20);
    else
      printf("; no limit (cache_max_mb=0)\n");
  }
  return tgi_cli_finish(TGI_CLI_OK);
}

/* build DIR [-j N]: compile what the kernel log DIR holds. */
static int cache_build(int argc, char **argv) {
  const char *dir = NULL;
  long jobs = sysconf(_SC_NPROCESSORS_ONLN);
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "-j") == 0 && i + 1 < argc) {
      char *end;
      jobs = strtol(argv[++i], &end, 10);
      if (*end || end == argv[i] || jobs < 1 || jobs > 64)
        return tgi_cli_usage("cache build: -j needs a number of jobs from 1 to 64 (got '%s')",
                             argv[i]);
    } else if (!dir && argv[i][0] != '-') {
      dir = argv[i];
    } else {
      return tgi_cli_usage("cache build: unexpected argument '%s'", argv[i]);
    }
  }
  if (!dir) return tgi_cli_usage("cache build needs the kernel log directory (TGRAPH_KERNEL_LOG)");
  if (jobs < 1) jobs = 1;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  tgi_cg_build_stats bs;
  tgi_err err = {0};
  tg_status st = tgi_cg_build(dir, (int)jobs, &bs, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("%ld kernels logged in %s: %ld cached already, %ld compiled now in %ld batches "
         "(%.1f s, %ld jobs)", bs.kernels, dir, bs.cached, bs.compiled, bs.batches, secs, jobs);
  if (bs.unreadable) printf("; %ld unreadable files left alone", bs.unreadable);
  printf("\n");
  if (st != TG_OK) {
    tgi_cli_err("%ld batches failed (their kernels compile when needed): %s",
                bs.failed_batches, err.msg);
    return TGI_CLI_FAIL;
  }
  return tgi_cli_finish(TGI_CLI_OK);
}

int tgi_cli_cache(int argc, char **argv) {
  if (argc < 2) return tgi_cli_usage("cache needs a subcommand: info, clear, prune or build");
  const char *sub = argv[1];
  if (strcmp(sub, "build") == 0) return cache_build(argc, argv);
  if (strcmp(sub, "info") && strcmp(sub, "clear") && strcmp(sub, "prune"))
    return tgi_cli_usage("unknown cache subcommand '%s' (info, clear, prune or build)", sub);
  if (argc > 2) return tgi_cli_usage("cache %s takes no arguments (got '%s')", argv[1], argv[2]);
  char dir[4096];
  bool exists;
  if (!configured(dir, sizeof dir, &exists)) return TGI_CLI_FAIL;
  if (strcmp(sub, "info") == 0) return cache_info(dir, exists);
  return cache_remove(dir, exists, strcmp(sub, "prune") == 0);
}

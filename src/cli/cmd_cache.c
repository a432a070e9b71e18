/* cmd_cache.c: `tgraph cache info|clear|prune`, the disk cache of the native backend's
   compiled code (src/backend/cpu/cache.c): where it is and whether it is safe to use, how
   much it holds, the size limit and the compiler; emptying it; pruning it to the limit.
   A directory the library would refuse (another owner, writable by others) is reported
   and never cleared or pruned: its files are not ours to delete. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../backend/cpu/native.h"
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

int tgi_cli_cache(int argc, char **argv) {
  if (argc < 2) return tgi_cli_usage("cache needs a subcommand: info, clear or prune");
  if (argc > 2) return tgi_cli_usage("cache %s takes no arguments (got '%s')", argv[1], argv[2]);
  const char *sub = argv[1];
  if (strcmp(sub, "info") && strcmp(sub, "clear") && strcmp(sub, "prune"))
    return tgi_cli_usage("unknown cache subcommand '%s' (info, clear or prune)", sub);
  char dir[4096];
  bool exists;
  if (!configured(dir, sizeof dir, &exists)) return TGI_CLI_FAIL;
  if (strcmp(sub, "info") == 0) return cache_info(dir, exists);
  return cache_remove(dir, exists, strcmp(sub, "prune") == 0);
}

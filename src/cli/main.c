/* main.c: the `tgraph` program: command dispatch, `version`, `config` and `help`. The op
   catalogue (`ops`) lives in cmd_ops.c. Exit status: 0 ok, 1 runtime failure, 2 bad usage. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/core.h"
#include "cli.h"

static const char usage_text[] =
    "usage: tgraph <command> [options]\n"
    "\n"
    "commands:\n"
    "  version                  the version and how this build was made\n"
    "  config [KEY]             each configuration key with its value, where the value\n"
    "                           came from and what it does; with KEY, just its value\n"
    "  ops [--markdown] [--family F]\n"
    "                           the op catalogue (--markdown: the table of docs/ops.md;\n"
    "                           --family: only that family's ops)\n"
    "  rewrites [--markdown] [--phase P]\n"
    "                           the graph rewrites: name, kind, phase, op, tags, doc\n"
    "                           (--markdown: the table of docs/rewrites.md)\n"
    "  cache info|clear|prune   the native backend's cache of compiled code: where it is,\n"
    "                           what it holds and the compiler; empty it; prune it to\n"
    "                           the cache_max_mb limit, least recently used first\n"
    "  cache build DIR [-j N]   compile the kernels logged in DIR (a run with\n"
    "                           TGRAPH_KERNEL_LOG=DIR) into the cache in a few batches\n"
    "  help                     this message\n"
    "\n"
    "Configuration is read from TGRAPH_FLAGS, e.g. TGRAPH_FLAGS='floatX=float32'.\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage.\n";

void tgi_cli_err(const char *fmt, ...) {
  va_list ap;
  fputs("tgraph: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int tgi_cli_finish(int status) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    tgi_cli_err("writing the output failed: %s", strerror(errno));
    return status == TGI_CLI_OK ? TGI_CLI_FAIL : status;
  }
  return status;
}

static bool is_help(const char *a) {
  return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "help") == 0;
}

int tgi_cli_usage(const char *fmt, ...) {
  va_list ap;
  fputs("tgraph: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n\n", stderr);
  fputs(usage_text, stderr);
  return TGI_CLI_USAGE;
}

/* ---- version ---- */

/* Facts about this build, from the compiler's predefined macros: the program is compiled
   with the same flags as the library it links statically. */
#if defined(__clang__)
#define CLI_COMPILER __VERSION__
#elif defined(__GNUC__)
#define CLI_COMPILER "gcc " __VERSION__
#else
#define CLI_COMPILER "unknown"
#endif

static const char *c_standard(void) {
  long v = __STDC_VERSION__;
  return v >= 202311L ? "C23" : v >= 201710L ? "C17" : v >= 201112L ? "C11" : "C99 or older";
}

static const char *build_kind(void) {
#if defined(__OPTIMIZE__) && defined(NDEBUG)
  return "release (optimized, NDEBUG)";
#elif defined(__OPTIMIZE__)
  return "custom (optimized, assertions on)";
#elif defined(NDEBUG)
  return "custom (unoptimized, NDEBUG)";
#else
  return "debug (unoptimized, assertions on)";
#endif
}

#if defined(__SANITIZE_ADDRESS__)
#define CLI_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLI_ASAN 1
#endif
#endif
#ifndef CLI_ASAN
#define CLI_ASAN 0
#endif

static const char *platform(void) {
#if defined(__linux__)
  const char *os = "linux";
#elif defined(__APPLE__)
  const char *os = "macos";
#else
  const char *os = "unix";
#endif
#if defined(__x86_64__)
  const char *cpu = "x86_64";
#elif defined(__aarch64__)
  const char *cpu = "aarch64";
#else
  const char *cpu = "other cpu";
#endif
  static char buf[64];
  snprintf(buf, sizeof buf, "%s %s, %d-bit", os, cpu, (int)(sizeof(void *) * 8));
  return buf;
}

static int cmd_version(int argc, char **argv) {
  if (argc > 1) return tgi_cli_usage("version takes no arguments (got '%s')", argv[1]);
  printf("tgraph %s\n", tg_version());
  printf("compiler:   %s\n", CLI_COMPILER);
  printf("C standard: %s (__STDC_VERSION__ %ldL)\n", c_standard(), (long)__STDC_VERSION__);
  printf("build:      %s\n", build_kind());
  printf("sanitizer:  %s\n", CLI_ASAN ? "AddressSanitizer" : "none");
  printf("platform:   %s\n", platform());
  return tgi_cli_finish(TGI_CLI_OK);
}

/* ---- config ---- */

/* Each line of tgi_config_problems() as a warning on stderr. */
static void warn_problems(void) {
  const char *p = tgi_config_problems();
  while (*p) {
    const char *nl = strchr(p, '\n');
    int n = nl ? (int)(nl - p) : (int)strlen(p);
    fprintf(stderr, "tgraph: warning: %.*s\n", n, p);
    p += n + (nl != NULL);
  }
}

static int cmd_config(int argc, char **argv) {
  if (argc > 2) return tgi_cli_usage("config takes at most one key (got '%s')", argv[2]);
  warn_problems();
  if (argc == 2) {
    const char *v = tg_config_get(argv[1]);
    if (!v) {
      tgi_cli_err("unknown configuration key '%s' (`tgraph config` lists them)", argv[1]);
      return TGI_CLI_FAIL;
    }
    printf("%s\n", v);
    return tgi_cli_finish(TGI_CLI_OK);
  }
  int wk = (int)strlen("key"), wv = (int)strlen("value"), ws = (int)strlen("source");
  for (int i = 0; i < tg_config_count(); i++) {
    const char *k = tg_config_key(i);
    int a = (int)strlen(k), b = (int)strlen(tg_config_get(k)), c = (int)strlen(tg_config_source(k));
    wk = a > wk ? a : wk, wv = b > wv ? b : wv, ws = c > ws ? c : ws;
  }
  printf("%-*s  %-*s  %-*s  %s\n", wk, "key", wv, "value", ws, "source", "description");
  for (int i = 0; i < tg_config_count(); i++) {
    const char *k = tg_config_key(i);
    printf("%-*s  %-*s  %-*s  %s\n", wk, k, wv, tg_config_get(k), ws, tg_config_source(k),
           tg_config_help(k));
  }
  return tgi_cli_finish(TGI_CLI_OK);
}

/* ---- dispatch ---- */

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv); /* argv[0] is the command's name */
} command;

static const command commands[] = {
    {"version", cmd_version},
    {"config", cmd_config},
    {"ops", tgi_cli_ops},
    {"rewrites", tgi_cli_rewrites},
    {"cache", tgi_cli_cache},
};

int main(int argc, char **argv) {
  if (argc < 2) return tgi_cli_usage("no command given");
  if (is_help(argv[1])) {
    fputs(usage_text, stdout);
    return tgi_cli_finish(TGI_CLI_OK);
  }
  if (strcmp(argv[1], "--version") == 0) return cmd_version(1, argv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(argv[1], commands[i].name) != 0) continue;
    for (int j = 2; j < argc; j++) /* `tgraph CMD --help` */
      if (strcmp(argv[j], "-h") == 0 || strcmp(argv[j], "--help") == 0) {
        fputs(usage_text, stdout);
        return tgi_cli_finish(TGI_CLI_OK);
      }
    return commands[i].run(argc - 1, argv + 1);
  }
  return tgi_cli_usage("unknown command '%s'", argv[1]);
}

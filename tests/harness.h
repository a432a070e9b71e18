/* harness.h: the in-tree test harness. TEST(name) { ... } defines a case; CHECK* macros
   record failures and go on; main() runs every case (or those whose name contains argv[1])
   and exits non-zero if any check failed. A case that cannot run says so with SKIP(), which
   makes the executable exit 77 (ctest reports it as skipped) unless other cases failed. */
#ifndef TG_HARNESS_H
#define TG_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgraph/tgraph.h"

typedef struct th_case {
  const char *name;
  void (*fn)(void);
  struct th_case *next;
} th_case;

static th_case *th_cases, **th_tail = &th_cases;
static int th_failed_checks, th_checks, th_case_failed, th_skipped;
static const char *th_current;

#define TEST(name)                                                   \
  static void test_##name(void);                                     \
  __attribute__((constructor)) static void th_reg_##name(void) {     \
    static th_case c = {#name, test_##name, NULL};                   \
    *th_tail = &c;                                                   \
    th_tail = &c.next;                                               \
  }                                                                  \
  static void test_##name(void)

#define TH_FAIL(...)                                                          \
  do {                                                                        \
    th_failed_checks++;                                                       \
    th_case_failed = 1;                                                       \
    fprintf(stderr, "%s:%d: [%s] ", __FILE__, __LINE__, th_current);          \
    fprintf(stderr, __VA_ARGS__);                                             \
    fputc('\n', stderr);                                                      \
  } while (0)

#define CHECK(cond)                                  \
  do {                                               \
    th_checks++;                                     \
    if (!(cond)) TH_FAIL("CHECK(%s) failed", #cond); \
  } while (0)

/* |a - b| <= atol + rtol * |b|; NaN only equals NaN, infinities must match exactly. */
#define CHECK_CLOSE(a, b, rtol, atol)                                                       \
  do {                                                                                      \
    double th_a = (double)(a), th_b = (double)(b);                                          \
    th_checks++;                                                                            \
    int th_ok = (isnan(th_a) && isnan(th_b)) || th_a == th_b ||                             \
                (isfinite(th_a) && isfinite(th_b) &&                                        \
                 fabs(th_a - th_b) <= (atol) + (rtol)*fabs(th_b));                          \
    if (!th_ok) TH_FAIL("CHECK_CLOSE(%s, %s): %.17g vs %.17g", #a, #b, th_a, th_b);         \
  } while (0)

#define CHECK_STATUS(expr, want)                                                        \
  do {                                                                                  \
    tg_status th_s = (expr);                                                            \
    th_checks++;                                                                        \
    if (th_s != (want))                                                                 \
      TH_FAIL("%s returned %s, expected %s", #expr, tg_status_name(th_s),               \
              tg_status_name(want));                                                    \
  } while (0)

#define CHECK_ERROR_CONTAINS(msg, text)                                                   \
  do {                                                                                    \
    const char *th_m = (msg);                                                             \
    th_checks++;                                                                          \
    if (!th_m || !strstr(th_m, (text)))                                                   \
      TH_FAIL("error message \"%s\" does not contain \"%s\"", th_m ? th_m : "(null)", text); \
  } while (0)

#define CHECK_STR(a, b)                                                                 \
  do {                                                                                  \
    const char *th_x = (a), *th_y = (b);                                                \
    th_checks++;                                                                        \
    if (!th_x || !th_y || strcmp(th_x, th_y) != 0)                                      \
      TH_FAIL("CHECK_STR(%s, %s):\n--- got ---\n%s\n--- expected ---\n%s", #a, #b,      \
              th_x ? th_x : "(null)", th_y ? th_y : "(null)");                          \
  } while (0)

#define SKIP(why)                                                     \
  do {                                                                \
    fprintf(stderr, "SKIPPED [%s]: %s\n", th_current, why);           \
    th_skipped++;                                                     \
    return;                                                           \
  } while (0)

/* Compile a function whose inputs may not all be needed (on_unused_input = ignore): test
   helpers that compile generic input lists use it. */
static inline tg_function *th_compile(tg_graph *g, int n_in, tg_var *const *ins, int n_out,
                                      tg_var *const *outs) {
  tg_options *o = tg_options_new();
  if (o) tg_options_set(o, "on_unused_input", "ignore");
  tg_function *f = tg_function_new(g, n_in, ins, n_out, outs, o);
  tg_options_free(o);
  return f;
}

int main(int argc, char **argv) {
  int n = 0, bad = 0;
  for (th_case *c = th_cases; c; c = c->next) {
    if (argc > 1 && !strstr(c->name, argv[1])) continue;
    th_current = c->name;
    th_case_failed = 0;
    c->fn();
    n++;
    if (th_case_failed) bad++;
  }
  printf("%d passed, %d failed, %d skipped (%d checks)\n", n - bad - th_skipped, bad,
         th_skipped, th_checks);
  if (bad) return 1;
  return th_skipped ? 77 : 0;
}

#endif

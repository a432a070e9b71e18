/* test_config.c: the configuration object: TGRAPH_FLAGS read once (blanks allowed, bad items
   reported and ignored, the last item winning), the source of each value, floatX deciding
   the dtype of TG_FLOATX variables, tg_config_set's checks and messages, and readers racing
   a writer. TGRAPH_FLAGS is read once per process, so every case that needs its own flags
   runs in a child: this executable again, with TGRAPH_FLAGS set in the environment it starts
   with (before any tgraph call) and told which case to run. */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "harness.h"

extern char **environ;

#define CHILD_VAR "TG_TEST_CONFIG_CHILD"

/* In the child for case `name`: returns true and the case runs its checks. In the parent:
   runs the case in a child whose TGRAPH_FLAGS is flags (NULL: unset), checks that it
   passed, and returns false. */
static bool in_child(const char *name, const char *flags) {
  const char *me = getenv(CHILD_VAR);
  if (me && strcmp(me, name) == 0) return true;
  if (me) return false; /* another case's child: not ours to run */
  size_t n = 0;
  while (environ[n]) n++;
  char **env = calloc(n + 3, sizeof *env), *flag_var = NULL, *child_var = NULL;
  CHECK(env != NULL);
  if (!env) return false;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "TGRAPH_FLAGS=", 13) != 0 &&
        strncmp(environ[i], CHILD_VAR "=", strlen(CHILD_VAR) + 1) != 0)
      env[k++] = environ[i];
  child_var = malloc(strlen(CHILD_VAR) + strlen(name) + 2);
  sprintf(child_var, "%s=%s", CHILD_VAR, name);
  env[k++] = child_var;
  if (flags) {
    flag_var = malloc(strlen(flags) + 16);
    sprintf(flag_var, "TGRAPH_FLAGS=%s", flags);
    env[k++] = flag_var;
  }
  env[k] = NULL;
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {(char *)"test_config", (char *)name, NULL};
    execve("/proc/self/exe", argv, env);
    _exit(126);
  }
  int st = 0;
  CHECK(pid > 0);
  if (pid > 0) CHECK(waitpid(pid, &st, 0) == pid);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    TH_FAIL("child for case %s (TGRAPH_FLAGS=%s) failed: status %d", name,
            flags ? flags : "(unset)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  free(env);
  free(child_var);
  free(flag_var);
  return false;
}

/* Number of lines in s. */
static int lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

TEST(env_float32_makes_float32_vars) {
  if (!in_child("env_float32_makes_float32_vars", "floatX=float32")) return;
  CHECK_STR(tg_config_get("floatX"), "float32");
  CHECK_STR(tg_config_source("floatX"), "TGRAPH_FLAGS");
  CHECK(tg_config_floatx() == TG_FLOAT32);
  CHECK_STR(tgi_config_problems(), "");
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOATX), *s = tg_scalar(g, "s", TG_FLOATX);
  tg_var *d = tg_matrix(g, "d", TG_FLOAT64), *c = tg_const_typed(g, TG_FLOATX, 1.5);
  CHECK(tg_var_dtype(x) == TG_FLOAT32);
  CHECK(tg_var_dtype(s) == TG_FLOAT32);
  CHECK(tg_var_dtype(d) == TG_FLOAT64); /* an explicit dtype is kept */
  CHECK(tg_var_dtype(c) == TG_FLOAT32);
  tg_graph_free(g);
}

TEST(set_checks_and_changes_new_vars) {
  if (!in_child("set_checks_and_changes_new_vars", "floatX=float32")) return;
  tg_graph *g = tg_graph_new();
  tg_var *before = tg_matrix(g, "before", TG_FLOATX);
  const char *old = tg_config_get("floatX");
  CHECK_STATUS(tg_config_set("floatX", "float16"), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "bad value 'float16' for floatX (expected float64 or float32)");
  CHECK_STATUS(tg_config_set("floatX", "Float64"), TG_ERR_ARG); /* values are exact */
  CHECK_STATUS(tg_config_set("floatX", ""), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "bad value '' for floatX");
  CHECK_STATUS(tg_config_set("floatX", NULL), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "bad value '(null)' for floatX");
  CHECK_STATUS(tg_config_set("nosuch", "1"), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "unknown key 'nosuch'");
  CHECK_STATUS(tg_config_set("floatx", "float64"), TG_ERR_ARG); /* Theano's spelling only */
  CHECK_ERROR_CONTAINS(tg_errmsg(), "unknown key 'floatx' (did you mean 'floatX'?)");
  CHECK_STATUS(tg_config_set(NULL, "float64"), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "unknown key '(null)'");
  /* failed sets change nothing */
  CHECK_STR(tg_config_get("floatX"), "float32");
  CHECK_STR(tg_config_source("floatX"), "TGRAPH_FLAGS");

  CHECK_STATUS(tg_config_set("floatX", "float64"), TG_OK);
  CHECK_STR(tg_config_get("floatX"), "float64");
  CHECK_STR(tg_config_source("floatX"), "tg_config_set");
  CHECK_STR(old, "float32"); /* a value handed out earlier is never rewritten */
  tg_var *after = tg_matrix(g, "after", TG_FLOATX);
  CHECK(tg_var_dtype(after) == TG_FLOAT64);
  CHECK(tg_var_dtype(before) == TG_FLOAT32); /* existing variables keep their type */
  CHECK_STATUS(tg_config_set("floatX", "float32"), TG_OK);
  CHECK(tg_var_dtype(tg_vector(g, "v", TG_FLOATX)) == TG_FLOAT32);
  tg_graph_free(g);
}

TEST(defaults_without_flags) {
  if (!in_child("defaults_without_flags", NULL)) return;
  CHECK_STR(tg_config_get("floatX"), "float64");
  CHECK_STR(tg_config_source("floatX"), "default");
  CHECK_STR(tgi_config_problems(), "");
  tg_graph *g = tg_graph_new();
  CHECK(tg_var_dtype(tg_matrix(g, "x", TG_FLOATX)) == TG_FLOAT64);
  tg_graph_free(g);
}

TEST(empty_flags_are_defaults) {
  if (!in_child("empty_flags_are_defaults", " , ,")) return;
  CHECK_STR(tg_config_get("floatX"), "float64");
  CHECK_STR(tg_config_source("floatX"), "default");
  CHECK_STR(tgi_config_problems(), "");
}

TEST(flags_blanks_and_problems) {
  if (!in_child("flags_blanks_and_problems",
                " floatX = float32 ,, bogus=1,floatx=float64,\tnoequals , floatX=float16,"))
    return;
  /* float16 is refused, so the earlier good item stands */
  CHECK_STR(tg_config_get("floatX"), "float32");
  CHECK_STR(tg_config_source("floatX"), "TGRAPH_FLAGS");
  const char *p = tgi_config_problems();
  CHECK(lines(p) == 4);
  CHECK_ERROR_CONTAINS(p, "TGRAPH_FLAGS: unknown key 'bogus'; ignored\n");
  CHECK_ERROR_CONTAINS(p, "TGRAPH_FLAGS: unknown key 'floatx'; ignored (did you mean 'floatX'?)\n");
  CHECK_ERROR_CONTAINS(p, "TGRAPH_FLAGS: item 'noequals' is not key=value; ignored\n");
  CHECK_ERROR_CONTAINS(p, "TGRAPH_FLAGS: bad value 'float16' for floatX; ignored "
                          "(expected float64 or float32)\n");
}

TEST(flags_last_item_wins) {
  if (!in_child("flags_last_item_wins", "floatX=float32,floatX=float64")) return;
  CHECK_STR(tg_config_get("floatX"), "float64");
  CHECK_STR(tg_config_source("floatX"), "TGRAPH_FLAGS");
  CHECK_STR(tgi_config_problems(), "");
}

TEST(flags_empty_key_or_value) {
  if (!in_child("flags_empty_key_or_value", "floatX=,=float32")) return;
  CHECK_STR(tg_config_get("floatX"), "float64");
  CHECK_STR(tg_config_source("floatX"), "default");
  const char *p = tgi_config_problems();
  CHECK(lines(p) == 2);
  CHECK_ERROR_CONTAINS(p, "bad value '' for floatX");
  CHECK_ERROR_CONTAINS(p, "unknown key ''");
}

/* A huge item neither cuts off the items after it nor overflows the problem report. */
static char long_flags[6000];
TEST(flags_long_item) {
  memset(long_flags, 'z', 5000);
  strcpy(long_flags + 5000, "=1,floatX=float32");
  if (!in_child("flags_long_item", long_flags)) return;
  CHECK_STR(tg_config_get("floatX"), "float32");
  const char *p = tgi_config_problems();
  CHECK(lines(p) == 1);
  CHECK_ERROR_CONTAINS(p, "unknown key 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'; ignored");
}

/* Readers racing a writer (and racing each other into the first read of TGRAPH_FLAGS)
   always see a whole value and a valid source. */
typedef struct {
  int bad;
  int iters;
} reader_arg;

static void *reader(void *p) {
  reader_arg *a = p;
  for (int i = 0; i < a->iters; i++) {
    const char *v = tg_config_get("floatX"), *s = tg_config_source("floatX");
    if (!v || (strcmp(v, "float32") != 0 && strcmp(v, "float64") != 0)) a->bad++;
    if (!s || (strcmp(s, "default") != 0 && strcmp(s, "tg_config_set") != 0)) a->bad++;
    tg_dtype dt = tg_config_floatx();
    if (dt != TG_FLOAT32 && dt != TG_FLOAT64) a->bad++;
  }
  return NULL;
}

TEST(concurrent_get_and_set) {
  if (!in_child("concurrent_get_and_set", NULL)) return;
  enum { NT = 4 };
  pthread_t th[NT];
  reader_arg args[NT];
  for (int t = 0; t < NT; t++) {
    args[t] = (reader_arg){0, 20000};
    CHECK(pthread_create(&th[t], NULL, reader, &args[t]) == 0);
  }
  int set_failures = 0;
  for (int i = 0; i < 20000; i++)
    set_failures += tg_config_set("floatX", i & 1 ? "float32" : "float64") != TG_OK;
  for (int t = 0; t < NT; t++) pthread_join(th[t], NULL);
  CHECK(set_failures == 0);
  for (int t = 0; t < NT; t++) CHECK(args[t].bad == 0);
  CHECK_STR(tg_config_get("floatX"), "float32"); /* the last set, i = 19999 */
}

/* What does not depend on the environment runs in this process. */
TEST(keys_and_help) {
  CHECK(tg_config_count() >= 1);
  CHECK_STR(tg_config_key(0), "floatX");
  CHECK(tg_config_key(-1) == NULL);
  CHECK(tg_config_key(tg_config_count()) == NULL);
  for (int i = 0; i < tg_config_count(); i++) {
    const char *k = tg_config_key(i);
    CHECK(tg_config_get(k) != NULL);
    CHECK(tg_config_source(k) != NULL);
    CHECK(tg_config_help(k) != NULL && strlen(tg_config_help(k)) > 10);
  }
  CHECK_ERROR_CONTAINS(tg_config_help("floatX"), "float32");
  CHECK(tg_config_get(NULL) == NULL);
  CHECK(tg_config_source(NULL) == NULL);
  CHECK(tg_config_help(NULL) == NULL);
  CHECK(tg_config_get("nosuch") == NULL);
  CHECK(tg_config_get("floatx") == NULL); /* keys are case-sensitive, as in Theano */
  CHECK(tg_config_get("floatX ") == NULL);
}

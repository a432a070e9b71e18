/* config.c: the configuration object. Defaults, overridden by TGRAPH_FLAGS
   ("floatX=float32,key=value") read once on first use, overridden by tg_config_set.
   The only process-wide mutable state besides the allocator; guarded by a mutex. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

typedef struct {
  const char *key;
  const char *def;
  const char *help;
  bool (*valid)(const char *v);
  char value[64];
  const char *source;
} entry;

static bool valid_floatx(const char *v) {
  return strcmp(v, "float64") == 0 || strcmp(v, "float32") == 0;
}

static entry table[] = {
    {"floatX", "float64", "dtype of variables made with TG_FLOATX (float64 or float32)",
     valid_floatx, "", ""},
};
#define NKEYS ((int)(sizeof table / sizeof table[0]))

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char problems[512];

static entry *find(const char *key) {
  for (int i = 0; i < NKEYS; i++)
    if (strcmp(table[i].key, key) == 0) return &table[i];
  return NULL;
}

static void note_problem(const char *fmt, const char *a) {
  size_t k = strlen(problems);
  if (k < sizeof problems - 1) snprintf(problems + k, sizeof problems - k, fmt, a);
}

static void init(void) {
  for (int i = 0; i < NKEYS; i++) {
    snprintf(table[i].value, sizeof table[i].value, "%s", table[i].def);
    table[i].source = "default";
  }
  const char *env = getenv("TGRAPH_FLAGS");
  if (!env) return;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", env);
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq) {
      note_problem("TGRAPH_FLAGS: '%s' is not key=value; ignored\n", tok);
      continue;
    }
    *eq = 0;
    entry *e = find(tok);
    if (!e) {
      note_problem("TGRAPH_FLAGS: unknown key '%s'; ignored\n", tok);
    } else if (!e->valid(eq + 1)) {
      note_problem("TGRAPH_FLAGS: bad value for '%s'; ignored\n", tok);
    } else {
      snprintf(e->value, sizeof e->value, "%s", eq + 1);
      e->source = "TGRAPH_FLAGS";
    }
  }
}

/* Problems met reading TGRAPH_FLAGS, one per line ("" if none); for `tgraph config`. */
const char *tgi_config_problems(void) {
  pthread_once(&once, init);
  return problems;
}

const char *tg_config_get(const char *key) {
  pthread_once(&once, init);
  entry *e = key ? find(key) : NULL;
  return e ? e->value : NULL;
}

const char *tg_config_source(const char *key) {
  pthread_once(&once, init);
  entry *e = key ? find(key) : NULL;
  return e ? e->source : NULL;
}

const char *tg_config_help(const char *key) {
  entry *e = key ? find(key) : NULL;
  return e ? e->help : NULL;
}

tg_status tg_config_set(const char *key, const char *value) {
  pthread_once(&once, init);
  entry *e = key ? find(key) : NULL;
  if (!e) return tgi_fail(TG_ERR_ARG, "tg_config_set: unknown key '%s'", key ? key : "(null)");
  if (!value || !e->valid(value) || strlen(value) >= sizeof e->value)
    return tgi_fail(TG_ERR_ARG, "tg_config_set: bad value '%s' for %s",
                    value ? value : "(null)", key);
  pthread_mutex_lock(&mu);
  snprintf(e->value, sizeof e->value, "%s", value);
  e->source = "tg_config_set";
  pthread_mutex_unlock(&mu);
  return TG_OK;
}

int tg_config_count(void) { return NKEYS; }
const char *tg_config_key(int i) { return i >= 0 && i < NKEYS ? table[i].key : NULL; }

tg_dtype tg_config_floatx(void) {
  const char *v = tg_config_get("floatX");
  return v && strcmp(v, "float32") == 0 ? TG_FLOAT32 : TG_FLOAT64;
}

/* config.c: the configuration object. Each key has a default, overridden by TGRAPH_FLAGS
   ("floatX=float32,key=value", Theano's THEANO_FLAGS syntax) read once on first use, and
   overridden again by tg_config_set. The only process-wide mutable state besides the
   allocator.

   Thread safety: a key's value and source are atomic pointers to immutable strings. Every
   key takes its value from a fixed list of choices, so a value is always one of the static
   strings of that list: tg_config_get hands out a pointer that stays valid and unchanged
   forever, even while another thread calls tg_config_set (it then simply names the older
   value). A free-form key (a path, a list of rewrite names; choices NULL) keeps that
   promise by interning its values: each distinct value is copied once into a list that is
   never freed (bounded by the number of distinct values a program sets). */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

typedef struct {
  const char *key;
  const char *def;              /* one of choices */
  const char *help;
  const char *const *choices;   /* NULL-terminated; the only values the key accepts */
  _Atomic(const char *) value;  /* a pointer into choices */
  _Atomic(const char *) source; /* "default", "TGRAPH_FLAGS" or "tg_config_set" */
} entry;

static const char *const floatx_choices[] = {"float64", "float32", NULL};
static const char *const mode_choices[] = {"FAST_RUN", "FAST_COMPILE", NULL};
static const char *const bool_choices[] = {"False", "True", NULL};
static const char *const linker_choices[] = {"ref", "native", NULL};

static entry table[] = {
    {"floatX", "float64", "dtype of variables made with TG_FLOATX (float64 or float32)",
     floatx_choices, NULL, NULL},
    {"mode", "FAST_RUN", "default compilation mode: FAST_RUN (all rewrites) or FAST_COMPILE "
     "(merge and constant folding only)", mode_choices, NULL, NULL},
    {"optimizer_excluding", "", "rewrites or tags to switch off, separated by ':' "
     "(\"fusion:local_log1p\")", NULL, NULL, NULL},
    {"optimizer_including", "", "rewrites or tags to switch on beyond the mode's, separated "
     "by ':'", NULL, NULL, NULL},
    {"optimizer_verbose", "False", "print each rewrite applied (name, before, after) to stderr",
     bool_choices, NULL, NULL},
    {"linker", "native", "backend: native (generated C through the system compiler, cached "
     "on disk; the reference backend when there is no compiler) or ref (the reference "
     "backend, no compiler)",
     linker_choices, NULL, NULL},
    {"cc", "", "C compiler for the native backend (default: $CC, else cc)", NULL, NULL, NULL},
    {"compiledir", "", "cache directory of compiled kernels (default: $XDG_CACHE_HOME/tgraph, "
     "else ~/.cache/tgraph)", NULL, NULL, NULL},
    {"cache_max_mb", "256", "size limit of the compiled-kernel cache in MiB; least recently used "
     "entries are pruned beyond it (0: no limit)", NULL, NULL, NULL},
};
#define NKEYS ((int)(sizeof table / sizeof table[0]))

static pthread_once_t once = PTHREAD_ONCE_INIT;
/* Written only inside init (under pthread_once), read-only afterwards. */
static char problems[1024];

/* The key named by the n bytes at s, or NULL. */
static entry *find_n(const char *s, size_t n) {
  for (int i = 0; i < NKEYS; i++)
    if (strlen(table[i].key) == n && strncmp(table[i].key, s, n) == 0) return &table[i];
  return NULL;
}

static entry *find(const char *key) { return key ? find_n(key, strlen(key)) : NULL; }

/* A key that differs only in case ("floatx"), to suggest the right spelling. */
static entry *find_nocase(const char *s, size_t n) {
  for (int i = 0; i < NKEYS; i++) {
    const char *k = table[i].key;
    if (strlen(k) != n) continue;
    size_t j = 0;
    while (j < n && tolower((unsigned char)s[j]) == tolower((unsigned char)k[j])) j++;
    if (j == n) return &table[i];
  }
  return NULL;
}

/* Interned values of free-form keys: a list never freed, guarded by intern_mu. */
typedef struct interned {
  struct interned *next;
  char s[];
} interned;
static interned *intern_list;
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;

/* The interned copy of the n bytes at s; NULL when out of memory. */
static const char *intern_n(const char *s, size_t n) {
  pthread_mutex_lock(&intern_mu);
  interned *it = intern_list;
  while (it && !(strlen(it->s) == n && strncmp(it->s, s, n) == 0)) it = it->next;
  if (!it && (it = tgi_malloc(sizeof *it + n + 1)) != NULL) {
    memcpy(it->s, s, n);
    it->s[n] = 0;
    it->next = intern_list;
    intern_list = it;
  }
  pthread_mutex_unlock(&intern_mu);
  return it ? it->s : NULL;
}

/* The static choice equal to the n bytes at s, or NULL if e does not accept that value.
   Free-form keys accept any value without a comma (the TGRAPH_FLAGS separator). */
static const char *choice_n(const entry *e, const char *s, size_t n) {
  if (!e->choices) return memchr(s, ',', n) || memchr(s, 0, n) ? NULL : intern_n(s, n);
  for (const char *const *c = e->choices; *c; c++)
    if (strlen(*c) == n && strncmp(*c, s, n) == 0) return *c;
  return NULL;
}

/* "float64 or float32", for messages. */
static void choices_str(const entry *e, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  if (!e->choices) {
    snprintf(buf, n, "any text without a comma");
    return;
  }
  for (const char *const *c = e->choices; *c && k < n; c++)
    k += (size_t)snprintf(buf + k, n - k, "%s%s", c == e->choices ? "" : c[1] ? ", " : " or ",
                          *c);
}

/* Append one line to problems; the offending text is cut to 40 bytes so that one huge
   token cannot crowd out the others. */
static void note_problem(const char *what, const char *s, size_t n, const char *tail) {
  size_t k = strlen(problems);
  if (k + 1 >= sizeof problems) return;
  snprintf(problems + k, sizeof problems - k, "TGRAPH_FLAGS: %s '%.*s%s'%s\n", what,
           (int)(n > 40 ? 40 : n), s, n > 40 ? "..." : "", tail);
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Trim blanks around the span [*s, *s + *n). */
static void trim(const char **s, size_t *n) {
  while (*n && is_space(**s)) (*s)++, (*n)--;
  while (*n && is_space((*s)[*n - 1])) (*n)--;
}

/* One "key=value" item of TGRAPH_FLAGS (n bytes at s, blanks allowed around key and value).
   A bad item is reported and ignored; later items win over earlier ones, as in Theano. */
static void parse_item(const char *s, size_t n) {
  trim(&s, &n);
  if (n == 0) return; /* "a=b,,c=d" or a trailing comma */
  const char *eq = memchr(s, '=', n);
  if (!eq) {
    note_problem("item", s, n, " is not key=value; ignored");
    return;
  }
  const char *k = s, *v = eq + 1;
  size_t kn = (size_t)(eq - s), vn = n - kn - 1;
  trim(&k, &kn);
  trim(&v, &vn);
  entry *e = find_n(k, kn);
  if (!e) {
    entry *near = find_nocase(k, kn);
    char tail[96];
    snprintf(tail, sizeof tail, near ? "; ignored (did you mean '%s'?)" : "; ignored",
             near ? near->key : "");
    note_problem("unknown key", k, kn, tail);
    return;
  }
  const char *c = choice_n(e, v, vn);
  if (!c) {
    char want[128], tail[192];
    choices_str(e, want, sizeof want);
    snprintf(tail, sizeof tail, " for %s; ignored (expected %s)", e->key, want);
    note_problem("bad value", v, vn, tail);
    return;
  }
  atomic_store(&e->value, c);
  atomic_store(&e->source, "TGRAPH_FLAGS");
}

static void init(void) {
  for (int i = 0; i < NKEYS; i++) {
    atomic_store(&table[i].value, table[i].def);
    atomic_store(&table[i].source, "default");
  }
  /* Walked in place (no copy), so a long TGRAPH_FLAGS is neither cut nor allocated. */
  const char *env = getenv("TGRAPH_FLAGS");
  while (env && *env) {
    const char *comma = strchr(env, ',');
    size_t n = comma ? (size_t)(comma - env) : strlen(env);
    parse_item(env, n);
    env = comma ? comma + 1 : NULL;
  }
}

/* Problems met reading TGRAPH_FLAGS, one per line ("" if none); for `tgraph config`. */
const char *tgi_config_problems(void) {
  pthread_once(&once, init);
  return problems;
}

const char *tg_config_get(const char *key) {
  pthread_once(&once, init);
  entry *e = find(key);
  return e ? atomic_load(&e->value) : NULL;
}

const char *tg_config_source(const char *key) {
  pthread_once(&once, init);
  entry *e = find(key);
  return e ? atomic_load(&e->source) : NULL;
}

const char *tg_config_help(const char *key) {
  entry *e = find(key);
  return e ? e->help : NULL;
}

tg_status tg_config_set(const char *key, const char *value) {
  pthread_once(&once, init);
  entry *e = find(key);
  if (!e) {
    entry *near = key ? find_nocase(key, strlen(key)) : NULL;
    if (near)
      return tgi_fail(TG_ERR_ARG, "tg_config_set: unknown key '%s' (did you mean '%s'?)", key,
                      near->key);
    return tgi_fail(TG_ERR_ARG, "tg_config_set: unknown key '%s'", key ? key : "(null)");
  }
  const char *c = value ? choice_n(e, value, strlen(value)) : NULL;
  if (!c && value && !e->choices && !strchr(value, ','))
    return tgi_fail(TG_ERR_NOMEM, "tg_config_set: out of memory storing %s", e->key);
  if (!c) {
    char want[128];
    choices_str(e, want, sizeof want);
    return tgi_fail(TG_ERR_ARG, "tg_config_set: bad value '%.64s' for %s (expected %s)",
                    value ? value : "(null)", e->key, want);
  }
  /* No lock: each store is atomic, and concurrent setters all write the same source. */
  atomic_store(&e->value, c);
  atomic_store(&e->source, "tg_config_set");
  return TG_OK;
}

int tg_config_count(void) { return NKEYS; }
const char *tg_config_key(int i) { return i >= 0 && i < NKEYS ? table[i].key : NULL; }

tg_dtype tg_config_floatx(void) {
  const char *v = tg_config_get("floatX");
  return v && strcmp(v, "float32") == 0 ? TG_FLOAT32 : TG_FLOAT64;
}

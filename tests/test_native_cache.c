/* test_native_cache.c: the native backend's compiler driver and disk cache
   (src/backend/cpu/native.h): compile, load and call; one compile per source per process
   and per cache; eight processes racing on one new key; corrupt, truncated and misnamed
   entries rebuilt; unsafe cache directories refused with a warning and a private
   fallback; a missing compiler and a compile error reported clearly; escaping of hostile
   names for generated code; LRU pruning; SHA-256 against the standard's vectors; and the
   allocation-failure sweep of a cache hit. Every test caches in its own fresh directory
   under a temporary base (TGRAPH_FLAGS' compiledir), never in the user's cache. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc_sweep.h"
#include "backend/cpu/native.h"

static char base[512];
static int ndirs;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  remove(p);
  return 0;
}

static void rm_base(void) {
  if (base[0]) nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh cache directory path (not created), set as compiledir. */
static const char *fresh_dir(char *buf, size_t n) {
  if (!base[0]) {
    snprintf(base, sizeof base, "/tmp/tg-native-test-XXXXXX");
    if (!mkdtemp(base)) {
      perror("mkdtemp");
      exit(1);
    }
    atexit(rm_base);
  }
  snprintf(buf, n, "%s/c%d", base, ndirs++);
  tg_config_set("compiledir", buf);
  return buf;
}

/* Files in dir whose name ends with suffix; the last one's name into last (if given). */
static int count_files(const char *dir, const char *suffix, char *last, size_t n) {
  DIR *d = opendir(dir);
  int k = 0;
  if (!d) return 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name), s = strlen(suffix);
    if (l < s || strcmp(de->d_name + l - s, suffix) != 0) continue;
    k++;
    if (last) snprintf(last, n, "%s/%s", dir, de->d_name);
  }
  closedir(d);
  return k;
}

static tgi_native_stats stats(void) {
  tgi_native_stats s;
  tgi_native_get_stats(&s);
  return s;
}

/* "double NAME(double x) { return x * K; }" with a comment making the source unique. */
static void scale_src(char *buf, size_t n, const char *name, int k) {
  static int serial;
  snprintf(buf, n, "/* %ld %d */\ndouble %s(double x) { return x * %d; }\n", (long)getpid(),
           serial++, name, k);
}

/* Call NAME(x) from lib; NaN when the symbol is missing. */
static double call1(tgi_native_lib *lib, const char *name, double x) {
  double (*f)(double);
  void *p = tgi_native_sym(lib, name);
  if (!p) return NAN;
  memcpy(&f, &p, sizeof f);
  return f(x);
}

/* ---- stderr capture, for warnings ---- */
static int saved_stderr = -1;
static char cap_path[600];

static void capture_begin(void) {
  fflush(stderr);
  snprintf(cap_path, sizeof cap_path, "%s/stderr.txt", base);
  int fd = open(cap_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  saved_stderr = dup(2);
  dup2(fd, 2);
  close(fd);
}

static void capture_end(char *out, size_t n) {
  fflush(stderr);
  dup2(saved_stderr, 2);
  close(saved_stderr);
  FILE *f = fopen(cap_path, "r");
  size_t k = f ? fread(out, 1, n - 1, f) : 0;
  out[k] = 0;
  if (f) fclose(f);
}

/* ---- SHA-256 ---- */

static void hex_of(const void *p, size_t n, char out[65]) {
  unsigned char h[32];
  tgi_sha256(p, n, h);
  tgi_hex(h, 32, out);
}

TEST(sha256_standard_vectors) {
  char h[65];
  hex_of("", 0, h);
  CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  hex_of("abc", 3, h);
  CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  hex_of(m, strlen(m), h);
  CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  /* a million 'a', fed in uneven pieces so block boundaries fall everywhere */
  tgi_sha256_ctx s;
  unsigned char d[32];
  char a[1000];
  memset(a, 'a', sizeof a);
  tgi_sha256_init(&s);
  size_t left = 1000000, piece = 1;
  while (left) {
    size_t k = piece < left ? piece : left;
    tgi_sha256_update(&s, a, k);
    left -= k;
    piece = piece % 900 + 63; /* 1 .. 962 bytes */
  }
  tgi_sha256_final(&s, d);
  tgi_hex(d, 32, h);
  CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths 55, 56, 63, 64 put the padding on either side of a block boundary; the
   expected digests of 'a' * n are from Python's hashlib, written down here. */
TEST(sha256_padding_boundaries) {
  static const struct { size_t n; const char *hex; } cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
  };
  char a[64], h[65];
  memset(a, 'a', sizeof a);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    hex_of(a, cases[i].n, h);
    CHECK_STR(h, cases[i].hex);
  }
}

/* ---- escaping ---- */

static const char hostile[] = "x*/ system(\"rm -rf /\"); /*";

TEST(escape_hand_cases) {
  char b[256];
  tgi_c_escape("plain_name.1", b, sizeof b);
  CHECK_STR(b, "plain_name.1");
  tgi_c_escape("a*b", b, sizeof b);
  CHECK_STR(b, "a\\052b");
  tgi_c_escape("\"\\\n?", b, sizeof b);
  CHECK_STR(b, "\\042\\134\\012\\077");
  tgi_c_escape("\xc3\xa9", b, sizeof b); /* UTF-8 e-acute */
  CHECK_STR(b, "\\303\\251");
  tgi_c_escape(hostile, b, sizeof b);
  CHECK_STR(b, "x\\052\\057 system(\\042rm -rf \\057\\042); \\057\\052");
  CHECK(!strstr(b, "*/") && !strstr(b, "/*") && !strchr(b, '"'));
  /* a short buffer never cuts an escape: "a", then "a\052" */
  tgi_c_escape("a*b", b, 5);
  CHECK_STR(b, "a");
  tgi_c_escape("a*b", b, 6);
  CHECK_STR(b, "a\\052");
  tgi_c_escape("a*b", b, 1);
  CHECK_STR(b, "");
  tgi_c_escape(NULL, b, sizeof b);
  CHECK_STR(b, "");
}

/* The hostile name inside a comment and a string, plus every byte 1..255 and a trigraph,
   compile into an object whose strings are the original bytes and whose only effect is
   to return them (if the name escaped the comment, this would not compile). */
TEST(escape_compiles_and_round_trips) {
  char d[600];
  fresh_dir(d, sizeof d);
  char all[256], trig[] = "a?" "?/b?" "?=c?" "?'"; /* split: no trigraph here */
  for (int i = 1; i < 256; i++) all[i - 1] = (char)i;
  all[255] = 0;
  char e1[256], e2[1100], e3[64], src[4000];
  tgi_c_escape(hostile, e1, sizeof e1);
  tgi_c_escape(all, e2, sizeof e2);
  tgi_c_escape(trig, e3, sizeof e3);
  CHECK(strlen(e2) < sizeof e2 - 1); /* not cut */
  snprintf(src, sizeof src,
           "/* input variable: %s */\n"
           "const char *tg_name(void) { return \"%s\"; } /* %s */\n"
           "const char *tg_all(void) { return \"%s\"; }\n"
           "const char *tg_trig(void) { return \"%s\"; } /* %s */\n"
           "int tg_ok(void) { return 42; }\n",
           e1, e1, e2, e2, e3, e3);
  tgi_err err = {0};
  tgi_native_lib *lib = tgi_native_load(src, strlen(src), &err);
  CHECK(lib != NULL);
  if (!lib) {
    fprintf(stderr, "%s\n", err.msg);
    return;
  }
  int (*ok)(void);
  const char *(*s)(void);
  void *p = tgi_native_sym(lib, "tg_ok");
  CHECK(p != NULL);
  if (p) {
    memcpy(&ok, &p, sizeof ok);
    CHECK(ok() == 42);
  }
  static const char *const names[] = {"tg_name", "tg_all", "tg_trig"};
  const char *want[] = {hostile, all, trig};
  for (int i = 0; i < 3; i++) {
    p = tgi_native_sym(lib, names[i]);
    CHECK(p != NULL);
    if (!p) continue;
    memcpy(&s, &p, sizeof s);
    CHECK_STR(s(), want[i]);
  }
  tgi_native_unref(lib);
}

/* ---- compile, load, call ---- */

TEST(compile_load_call) {
  char d[600], src[256];
  fresh_dir(d, sizeof d);
  scale_src(src, sizeof src, "tg_twice", 2);
  tgi_native_stats s0 = stats();
  tgi_err err = {0};
  tgi_native_lib *lib = tgi_native_load(src, strlen(src), &err);
  CHECK(lib != NULL);
  if (!lib) {
    fprintf(stderr, "%s\n", err.msg);
    return;
  }
  CHECK_CLOSE(call1(lib, "tg_twice", 3.5), 7.0, 0, 0);
  CHECK(tgi_native_sym(lib, "tg_absent") == NULL);
  CHECK(stats().compiles == s0.compiles + 1);
  CHECK(stats().published == s0.published + 1);
  CHECK(count_files(d, ".so", NULL, 0) == 1);
  CHECK(count_files(d, ".part", NULL, 0) == 0);
  struct stat st;
  CHECK(stat(d, &st) == 0 && (st.st_mode & 0777) == 0700);
  tgi_native_unref(lib);
}

TEST(same_source_one_compile) {
  char d[600], src[256];
  fresh_dir(d, sizeof d);
  scale_src(src, sizeof src, "tg_thrice", 3);
  tgi_err err = {0};
  tgi_native_stats s0 = stats();
  tgi_native_lib *a = tgi_native_load(src, strlen(src), &err);
  tgi_native_lib *b = tgi_native_load(src, strlen(src), &err);
  CHECK(a != NULL && a == b);
  CHECK(stats().compiles == s0.compiles + 1);
  CHECK(stats().memory_hits == s0.memory_hits + 1);
  tgi_native_unref(a);
  CHECK_CLOSE(call1(b, "tg_thrice", 2.0), 6.0, 0, 0); /* still loaded: one ref left */
  tgi_native_unref(b);
  /* unloaded now; the next load comes from disk, still without compiling */
  tgi_native_lib *c = tgi_native_load(src, strlen(src), &err);
  CHECK(c != NULL);
  CHECK(stats().compiles == s0.compiles + 1);
  CHECK(stats().disk_hits == s0.disk_hits + 1);
  if (c) CHECK_CLOSE(call1(c, "tg_thrice", -1.0), -3.0, 0, 0);
  tgi_native_unref(c);
}

typedef struct {
  const char *src;
  pthread_barrier_t *bar;
  tgi_native_lib *lib;
} thread_arg;

static void *load_thread(void *p) {
  thread_arg *a = p;
  tgi_err err = {0};
  pthread_barrier_wait(a->bar);
  a->lib = tgi_native_load(a->src, strlen(a->src), &err);
  return NULL;
}

TEST(threads_share_one_compile) {
  char d[600], src[256];
  fresh_dir(d, sizeof d);
  scale_src(src, sizeof src, "tg_five", 5);
  pthread_barrier_t bar;
  pthread_barrier_init(&bar, NULL, 4);
  thread_arg args[4];
  pthread_t th[4];
  tgi_native_stats s0 = stats();
  for (int i = 0; i < 4; i++) {
    args[i] = (thread_arg){src, &bar, NULL};
    pthread_create(&th[i], NULL, load_thread, &args[i]);
  }
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&bar);
  CHECK(args[0].lib != NULL);
  for (int i = 1; i < 4; i++) CHECK(args[i].lib == args[0].lib);
  CHECK(stats().compiles == s0.compiles + 1);
  CHECK(stats().memory_hits == s0.memory_hits + 3);
  if (args[0].lib) CHECK_CLOSE(call1(args[0].lib, "tg_five", 2.0), 10.0, 0, 0);
  for (int i = 0; i < 4; i++) tgi_native_unref(args[i].lib);
}

/* Eight processes released at once on one new source with an empty cache: all succeed,
   and the cache ends with exactly one entry and no temporary left behind. */
TEST(eight_processes_race) {
  char d[600], src[256];
  fresh_dir(d, sizeof d);
  scale_src(src, sizeof src, "tg_seven", 7);
  int gate[2];
  CHECK(pipe(gate) == 0);
  pid_t kids[8];
  for (int i = 0; i < 8; i++) {
    kids[i] = fork();
    if (kids[i] == 0) {
      char c;
      close(gate[1]);
      while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
      }
      tgi_err err = {0};
      tgi_native_lib *lib = tgi_native_load(src, strlen(src), &err);
      int bad = !lib ? 2 : call1(lib, "tg_seven", 3.0) != 21.0 ? 3 : 0;
      if (!lib) fprintf(stderr, "child %d: %s\n", i, err.msg);
      tgi_native_unref(lib);
      _exit(bad);
    }
  }
  close(gate[0]);
  close(gate[1]); /* EOF: all go */
  for (int i = 0; i < 8; i++) {
    int st = 0;
    CHECK(kids[i] > 0 && waitpid(kids[i], &st, 0) == kids[i]);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  CHECK(count_files(d, ".so", NULL, 0) == 1);
  CHECK(count_files(d, ".part", NULL, 0) == 0);
  /* and the entry is intact: this process loads it without compiling */
  tgi_native_stats s0 = stats();
  tgi_err err = {0};
  tgi_native_lib *lib = tgi_native_load(src, strlen(src), &err);
  CHECK(lib != NULL && stats().disk_hits == s0.disk_hits + 1 &&
        stats().compiles == s0.compiles);
  if (lib) CHECK_CLOSE(call1(lib, "tg_seven", 1.0), 7.0, 0, 0);
  tgi_native_unref(lib);
}

/* ---- corrupt entries ---- */

/* How a load must be answered. */
enum { COMPILED, HIT, REBUILT };

/* Load src, check how it was answered, call fn(1.0) == want, unload. */
static void load_expect(const char *src, const char *fn, double want, int how) {
  tgi_native_stats s0 = stats();
  tgi_err err = {0};
  tgi_native_lib *lib = tgi_native_load(src, strlen(src), &err);
  CHECK(lib != NULL);
  if (!lib) {
    fprintf(stderr, "%s\n", err.msg);
    return;
  }
  CHECK_CLOSE(call1(lib, fn, 1.0), want, 0, 0);
  tgi_native_stats s1 = stats();
  CHECK(s1.compiles == s0.compiles + (how != HIT));
  CHECK(s1.rebuilt == s0.rebuilt + (how == REBUILT));
  CHECK(s1.disk_hits == s0.disk_hits + (how == HIT));
  tgi_native_unref(lib);
}

TEST(corrupt_entries_rebuilt) {
  char d[600], src[256], src2[256], entry[1024], entry2[1024];
  fresh_dir(d, sizeof d);
  scale_src(src, sizeof src, "tg_eleven", 11);
  load_expect(src, "tg_eleven", 11.0, COMPILED);
  CHECK(count_files(d, ".so", entry, sizeof entry) == 1);
  struct stat st;
  CHECK(stat(entry, &st) == 0);
  off_t full = st.st_size;

  CHECK(truncate(entry, full / 2) == 0); /* truncated */
  load_expect(src, "tg_eleven", 11.0, REBUILT);
  load_expect(src, "tg_eleven", 11.0, HIT); /* the rebuilt entry is whole */
  CHECK(stat(entry, &st) == 0 && st.st_size > full / 2);

  int fd = open(entry, O_RDWR); /* one flipped byte in the middle of the object */
  unsigned char c = 0;
  CHECK(pread(fd, &c, 1, full / 2) == 1);
  c ^= 0x5a;
  CHECK(pwrite(fd, &c, 1, full / 2) == 1);
  close(fd);
  load_expect(src, "tg_eleven", 11.0, REBUILT);

  fd = open(entry, O_WRONLY | O_TRUNC); /* not an object at all */
  CHECK(write(fd, "garbage\n", 8) == 8);
  close(fd);
  load_expect(src, "tg_eleven", 11.0, REBUILT);

  fd = open(entry, O_WRONLY | O_TRUNC); /* empty */
  close(fd);
  load_expect(src, "tg_eleven", 11.0, REBUILT);

  /* another source's intact entry under this key's name: the trailer's key differs */
  fresh_dir(d, sizeof d);
  scale_src(src2, sizeof src2, "tg_eleven", 13);
  load_expect(src2, "tg_eleven", 13.0, COMPILED);
  CHECK(count_files(d, ".so", entry2, sizeof entry2) == 1);
  load_expect(src, "tg_eleven", 11.0, COMPILED); /* its own entry in this dir */
  char entry1[1024];
  {
    DIR *dd = opendir(d);
    struct dirent *de;
    entry1[0] = 0;
    while (dd && (de = readdir(dd)) != NULL)
      if (strstr(de->d_name, ".so") && !strstr(entry2, de->d_name))
        snprintf(entry1, sizeof entry1, "%s/%s", d, de->d_name);
    if (dd) closedir(dd);
  }
  CHECK(entry1[0] && rename(entry2, entry1) == 0);
  load_expect(src, "tg_eleven", 11.0, REBUILT); /* 11, not 13 */
}

/* ---- directory safety ---- */

TEST(missing_dirs_made_0700) {
  char d[600], deep[700], src[256];
  fresh_dir(d, sizeof d);
  snprintf(deep, sizeof deep, "%s/a/b", d);
  tg_config_set("compiledir", deep);
  scale_src(src, sizeof src, "tg_one", 1);
  load_expect(src, "tg_one", 1.0, COMPILED);
  char p[700];
  struct stat st;
  const char *parts[] = {d, NULL, deep};
  snprintf(p, sizeof p, "%s/a", d);
  parts[1] = p;
  for (int i = 0; i < 3; i++) CHECK(stat(parts[i], &st) == 0 && (st.st_mode & 0777) == 0700);
  CHECK(count_files(deep, ".so", NULL, 0) == 1);
}

/* A refused directory: a warning naming it and why (once), no entry written there, and
   compiled code still works through the private fallback directory. */
static void check_refused(const char *d, const char *reason) {
  char src[256], out[2048];
  scale_src(src, sizeof src, "tg_nine", 9);
  tgi_native_stats s0 = stats();
  capture_begin();
  tgi_err err = {0};
  tgi_native_lib *lib = tgi_native_load(src, strlen(src), &err);
  capture_end(out, sizeof out);
  CHECK(lib != NULL);
  if (lib) CHECK_CLOSE(call1(lib, "tg_nine", 2.0), 18.0, 0, 0);
  tgi_native_unref(lib);
  CHECK_ERROR_CONTAINS(out, "warning: native cache: not using");
  CHECK_ERROR_CONTAINS(out, d);
  CHECK_ERROR_CONTAINS(out, reason);
  CHECK(stats().refused_dirs == s0.refused_dirs + 1);
  CHECK(count_files(d, ".so", NULL, 0) == 0);
  CHECK(count_files(d, ".part", NULL, 0) == 0);
  /* once per directory: a second load says nothing */
  scale_src(src, sizeof src, "tg_nine", 9);
  capture_begin();
  lib = tgi_native_load(src, strlen(src), &err);
  capture_end(out, sizeof out);
  CHECK(lib != NULL);
  CHECK_STR(out, "");
  tgi_native_unref(lib);
  CHECK(count_files(d, ".so", NULL, 0) == 0);
}

TEST(hostile_dir_world_writable) {
  char d[600];
  fresh_dir(d, sizeof d);
  CHECK(mkdir(d, 0700) == 0 && chmod(d, 0777) == 0);
  check_refused(d, "writable by group or others (mode 0777)");
  char g[600];
  fresh_dir(g, sizeof g);
  CHECK(mkdir(g, 0700) == 0 && chmod(g, 0770) == 0);
  check_refused(g, "writable by group or others (mode 0770)");
  /* readable by others but writable only by us: accepted */
  char r[600], src[256];
  fresh_dir(r, sizeof r);
  CHECK(mkdir(r, 0700) == 0 && chmod(r, 0755) == 0);
  scale_src(src, sizeof src, "tg_one", 1);
  load_expect(src, "tg_one", 1.0, COMPILED);
  CHECK(count_files(r, ".so", NULL, 0) == 1);
}

TEST(hostile_dir_other_owner) {
  char d[600];
  fresh_dir(d, sizeof d);
  CHECK(mkdir(d, 0700) == 0);
  if (geteuid() != 0 || chown(d, 65534, 65534) != 0)
    SKIP("chown to uid 65534 needs root (this case runs as root in CI)");
  check_refused(d, "owned by uid 65534");
}

TEST(cache_dir_from_environment) {
  char d[600], p[700];
  fresh_dir(d, sizeof d);
  tgi_err why = {0};
  tg_config_set("compiledir", "");
  char *old_xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
  setenv("XDG_CACHE_HOME", d, 1);
  CHECK(tgi_native_cache_path(p, sizeof p, &why));
  char want[700];
  snprintf(want, sizeof want, "%s/tgraph", d);
  CHECK_STR(p, want);
  setenv("XDG_CACHE_HOME", "relative/ignored", 1);
  char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
  setenv("HOME", d, 1);
  CHECK(tgi_native_cache_path(p, sizeof p, &why));
  snprintf(want, sizeof want, "%s/.cache/tgraph", d);
  CHECK_STR(p, want);
  if (old_xdg) setenv("XDG_CACHE_HOME", old_xdg, 1); else unsetenv("XDG_CACHE_HOME");
  if (old_home) setenv("HOME", old_home, 1); else unsetenv("HOME");
  free(old_xdg), free(old_home);
  tg_config_set("compiledir", d);
  CHECK(tgi_native_cache_path(p, sizeof p, &why));
  CHECK_STR(p, d);
}

/* ---- the compiler ---- */

TEST(no_compiler_is_notimpl) {
  char d[600], src[256];
  fresh_dir(d, sizeof d);
  scale_src(src, sizeof src, "tg_x", 1);
  static const struct { const char *cc, *want; } cases[] = {
      {"/nonexistent/cc", "'/nonexistent/cc' was not found"},
      {"cc;rm", "'cc;rm' was not found"}, /* no shell: a name, not a command line */
      {"/bin/false", "'/bin/false --version' failed (exit status 1)"},
      {"   ", "is empty"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    CHECK_STATUS(tg_config_set("cc", cases[i].cc), TG_OK);
    tgi_err err = {0};
    CHECK(tgi_native_load(src, strlen(src), &err) == NULL);
    CHECK(err.status == TG_ERR_NOTIMPL);
    CHECK_ERROR_CONTAINS(err.msg, "no C compiler: ");
    CHECK_ERROR_CONTAINS(err.msg, cases[i].want);
    tgi_err why = {0};
    CHECK(tgi_native_compiler(&why) == NULL && why.status == TG_ERR_NOTIMPL);
  }
  /* $CC when the setting is empty */
  tg_config_set("cc", "");
  char *old = getenv("CC") ? strdup(getenv("CC")) : NULL;
  setenv("CC", "/nonexistent/cc2", 1);
  tgi_err err = {0};
  CHECK(tgi_native_load(src, strlen(src), &err) == NULL && err.status == TG_ERR_NOTIMPL);
  CHECK_ERROR_CONTAINS(err.msg, "/nonexistent/cc2");
  if (old) setenv("CC", old, 1); else unsetenv("CC");
  free(old);
  CHECK(count_files(d, ".so", NULL, 0) == 0);
}

TEST(compile_error_is_runtime) {
  char d[600];
  fresh_dir(d, sizeof d);
  const char *src = "int tg_bad(void) { return undeclared_thing; }\n";
  tgi_err err = {0};
  CHECK(tgi_native_load(src, strlen(src), &err) == NULL);
  CHECK(err.status == TG_ERR_RUNTIME);
  CHECK_ERROR_CONTAINS(err.msg, "the C compiler failed (exit status 1)");
  CHECK_ERROR_CONTAINS(err.msg, "undeclared_thing");
  CHECK_ERROR_CONTAINS(err.msg, "k.c:1:");
  CHECK(!strstr(err.msg, "tgraph-cc-")); /* the private directory's name is taken out */
  CHECK(count_files(d, ".so", NULL, 0) == 0);
  tgi_err e2 = {0};
  CHECK(tgi_native_load(NULL, 0, &e2) == NULL && e2.status == TG_ERR_ARG);
  CHECK(tgi_native_sym(NULL, "f") == NULL);
  tgi_native_unref(NULL);
}

/* The compiler line is what `<cc> --version` prints first, with the command. */
TEST(compiler_line) {
  char d[600];
  fresh_dir(d, sizeof d);
  const char *cc = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
  char cmd[300], first[300] = "";
  snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null", cc);
  FILE *p = popen(cmd, "r");
  if (p && fgets(first, sizeof first, p)) first[strcspn(first, "\n")] = 0;
  if (p) pclose(p);
  tgi_err why = {0};
  const char *line = tgi_native_compiler(&why);
  CHECK(line != NULL && first[0]);
  CHECK_ERROR_CONTAINS(line, first);
  CHECK(line && strncmp(line, cc, strlen(cc)) == 0);
}

/* Words after the program in the cc setting are part of the key: the same source with
   another command is another entry, built with that command. */
TEST(key_includes_compiler_command) {
  char d[600];
  fresh_dir(d, sizeof d);
  char src[200];
  snprintf(src, sizeof src,
           "/* %ld */\n#ifdef TG_EXTRA\nint tg_v(void) { return TG_EXTRA; }\n#else\n"
           "int tg_v(void) { return 1; }\n#endif\n", (long)getpid());
  int vals[2] = {0, 0};
  for (int i = 0; i < 2; i++) {
    tg_config_set("cc", i ? "cc -DTG_EXTRA=7" : "cc");
    tgi_err err = {0};
    tgi_native_lib *lib = tgi_native_load(src, strlen(src), &err);
    CHECK(lib != NULL);
    void *f = tgi_native_sym(lib, "tg_v");
    int (*v)(void);
    if (f) memcpy(&v, &f, sizeof v), vals[i] = v();
    tgi_native_unref(lib);
  }
  tg_config_set("cc", "");
  CHECK(vals[0] == 1 && vals[1] == 7);
  CHECK(count_files(d, ".so", NULL, 0) == 2);
}

/* ---- size limit and LRU ---- */

static void set_mtime(const char *path, time_t t) {
  struct timespec ts[2] = {{t, 0}, {t, 0}};
  utimensat(AT_FDCWD, path, ts, 0);
}

static int64_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

TEST(lru_prune) {
  char d[600], src[3][256], entry[3][1024];
  fresh_dir(d, sizeof d);
  for (int i = 0; i < 3; i++) {
    scale_src(src[i], sizeof src[i], "tg_s", i + 2);
    load_expect(src[i], "tg_s", i + 2.0, COMPILED);
    /* the new file is the one not seen before */
    DIR *dd = opendir(d);
    struct dirent *de;
    while ((de = readdir(dd)) != NULL) {
      if (!strstr(de->d_name, ".so")) continue;
      bool seen = false;
      for (int j = 0; j < i; j++) seen |= strstr(entry[j], de->d_name) != NULL;
      if (!seen) snprintf(entry[i], sizeof entry[i], "%s/%s", d, de->d_name);
    }
    closedir(dd);
  }
  time_t now = time(NULL);
  for (int i = 0; i < 3; i++) set_mtime(entry[i], now - 300 + 100 * i); /* 0 oldest */
  load_expect(src[0], "tg_s", 2.0, HIT); /* a hit: 0 becomes the most recent */
  struct stat st;
  CHECK(stat(entry[0], &st) == 0 && st.st_mtime >= now - 5);
  int64_t s0 = file_size(entry[0]), s1 = file_size(entry[1]), s2 = file_size(entry[2]);
  tgi_native_usage u, rm;
  tgi_err err = {0};
  CHECK_STATUS(tgi_native_cache_usage(d, &u, &err), TG_OK);
  CHECK(u.entries == 3 && u.bytes == s0 + s1 + s2);
  /* room for two: the least recently used (1) goes */
  CHECK_STATUS(tgi_native_cache_prune(d, s0 + s2, &rm, &err), TG_OK);
  CHECK(rm.entries == 1 && rm.bytes == s1);
  CHECK(file_size(entry[1]) < 0 && file_size(entry[0]) == s0 && file_size(entry[2]) == s2);
  /* room for one: 2 goes, 0 (used last) stays */
  CHECK_STATUS(tgi_native_cache_prune(d, s0, &rm, &err), TG_OK);
  CHECK(rm.entries == 1 && file_size(entry[2]) < 0 && file_size(entry[0]) == s0);
  /* no limit: nothing goes */
  CHECK_STATUS(tgi_native_cache_prune(d, 0, &rm, &err), TG_OK);
  CHECK(rm.entries == 0 && file_size(entry[0]) == s0);
}

/* Publishing over the limit prunes at once: an old 2 MiB entry goes when the limit is 1. */
TEST(prune_after_publish) {
  char d[600], big[800], src[256], other[800];
  fresh_dir(d, sizeof d);
  CHECK(mkdir(d, 0700) == 0);
  snprintf(big, sizeof big, "%s/%064d.so", d, 0);
  snprintf(other, sizeof other, "%s/notes.txt", d);
  int fd = open(big, O_WRONLY | O_CREAT, 0600);
  CHECK(fd >= 0 && ftruncate(fd, 2 << 20) == 0);
  close(fd);
  fd = open(other, O_WRONLY | O_CREAT, 0600);
  close(fd);
  set_mtime(big, time(NULL) - 1000);
  CHECK_STATUS(tg_config_set("cache_max_mb", "1"), TG_OK);
  CHECK(tgi_native_cache_limit() == 1 << 20);
  scale_src(src, sizeof src, "tg_p", 4);
  load_expect(src, "tg_p", 4.0, COMPILED);
  CHECK(file_size(big) < 0);
  CHECK(count_files(d, ".so", NULL, 0) == 1);
  CHECK(file_size(other) == 0); /* not ours: never touched */
  tg_config_set("cache_max_mb", "0");
  CHECK(tgi_native_cache_limit() == 0);
  tg_config_set("cache_max_mb", "lots");
  CHECK(tgi_native_cache_limit() == (int64_t)256 << 20); /* not a number: the default */
  tg_config_set("cache_max_mb", "256");
  /* clear removes entries (and temporaries), nothing else */
  tgi_native_usage rm;
  tgi_err err = {0};
  char part[800];
  snprintf(part, sizeof part, "%s/tmp-0123-1-1.part", d);
  fd = open(part, O_WRONLY | O_CREAT, 0600);
  close(fd);
  CHECK_STATUS(tgi_native_cache_clear(d, &rm, &err), TG_OK);
  CHECK(rm.entries == 1 && rm.partial == 1);
  CHECK(count_files(d, ".so", NULL, 0) == 0 && file_size(part) < 0 && file_size(other) == 0);
}

/* ---- allocation failures on a cache hit ---- */

static const char *sweep_src;

static tg_status sweep_load(void) {
  tgi_err err = {0};
  C.armed = 1;
  tgi_native_lib *lib = tgi_native_load(sweep_src, strlen(sweep_src), &err);
  C.armed = 0;
  if (!lib) return err.status;
  tg_status st = call1(lib, "tg_sw", 2.0) == 12.0 ? TG_OK : TG_ERR_RUNTIME;
  tgi_native_unref(lib);
  return st;
}

TEST(alloc_failure_sweep_cache_hit) {
  char d[600], src[256];
  fresh_dir(d, sizeof d);
  scale_src(src, sizeof src, "tg_sw", 6);
  sweep_src = src;
  CHECK_STATUS(sweep_load(), TG_OK); /* compiled and published: later loads are hits */
  tgi_native_stats s0 = stats();
  sweep("native load from the cache", sweep_load);
  CHECK(stats().compiles == s0.compiles); /* every run was a hit or failed before one */
}

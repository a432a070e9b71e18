/* cc.c: the C compiler driver of the native backend: which compiler (the cc setting, else
   $CC, else cc), what it is (its `--version` line, probed once per process and memoised on
   disk next to the cache), the flags, running it on a source in a private temporary
   directory, and escaping user text for generated code.

   The compiler is run with posix_spawn, never through a shell: the setting is split on
   blanks into words and nothing else is interpreted (no quotes, no variables, no globs),
   so a setting like "cc; rm -rf ~" names a program called "cc;" and fails to probe. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "native_impl.h"

extern char **environ;

/* The flags every object is compiled with, each for a reason:
   -O3              the kernels are loops over arrays: vectorisation and unrolling pay.
                    (The first flag is replaced by -O1 or -O2 when the caller asks: -O3's
                    time grows faster than linearly with a loop body's length.)
   -march=native    use this CPU's vector units. The CPU's identity goes into the key, so a
                    cache shared between machines never runs code built for another CPU.
   -std=c11         the language of generated code, whatever the compiler's default.
   -fPIC -shared    a shared object that dlopen can load anywhere.
   -fno-math-errno  math functions need not set errno (nobody reads it), which lets gcc
                    inline and vectorise sqrt & co. Never -ffast-math: it breaks isnan and
                    infinities and reassociates sums, changing results.
   -pipe            pipes instead of temporary files between the compiler's stages.
   -w               warnings about generated code help no user; errors are still reported.
   -nostdlib -lm -lgcc  (after the source) the object names libm itself, so it loads even
                    into a program that does not link libm; libgcc is there for any helper
                    the compiler calls. Not the C library's start files and link script:
                    kernels have no constructors, and libc comes with libm (or is in every
                    process already). That takes a third off the linker's time, which is
                    most of the cost of a small kernel (70 -> 46 ms per link, gcc 12). */
static const char *const cc_flags[] = {"-O3", "-march=native", "-std=c11", "-fPIC", "-shared",
                                       "-fno-math-errno", "-pipe", "-w", NULL};
/* With gcc, "-O3" above is spelt as these: -O2 plus the loop vectoriser with its full
   cost model is what the kernels need, and it compiles a 200-step chain about 15% faster
   than -O3 (which adds loop peeling, unswitching and versioning that straight-line
   bodies do not use, and a second, masked vector epilogue per loop). */
static const char *const gcc_o3[] = {"-O2", "-ftree-loop-vectorize", "-fvect-cost-model=dynamic",
                                     "--param=vect-epilogues-nomask=0", NULL};
static const char *const cc_libs[] = {"-nostdlib", "-lm", "-lgcc", NULL};

/* The memo of probes, one per distinct setting (see tgi_cc); a process that uses more
   settings than this is told so. */
enum { NPROBES = 8 };
static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;
static tgi_cc probes[NPROBES];
static int nprobes;

/* ---- the CPU's identity: part of every key because of -march=native ---- */

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static unsigned char cpu_id[32];

/* Hash the lines of /proc/cpuinfo's first processor that say which instructions exist (x86
   "model name"/"flags", arm "CPU implementer"/"CPU part"/"Features"); the machine name
   when that file is missing. */
static void cpu_init(void) {
  tgi_sha256_ctx s;
  tgi_sha256_init(&s);
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[8192];
  if (f) {
    static const char *const keys[] = {"model name", "flags", "CPU implementer", "CPU part",
                                       "Features", "cpu model", "isa", NULL};
    while (fgets(line, sizeof line, f)) {
      if (line[0] == '\n') break; /* end of the first processor */
      for (const char *const *k = keys; *k; k++)
        if (strncmp(line, *k, strlen(*k)) == 0) tgi_sha256_update(&s, line, strlen(line));
    }
    fclose(f);
  }
#if defined(__x86_64__)
  tgi_sha256_update(&s, "x86_64", 6);
#elif defined(__aarch64__)
  tgi_sha256_update(&s, "aarch64", 7);
#endif
  tgi_sha256_final(&s, cpu_id);
}

/* ---- finding the program ---- */

/* Split block (a copy of the setting) in place on blanks into at most TGI_CC_WORDS words;
   the count, or -1 when there are too many. */
static int split_words(char *block, char **w) {
  int k = 0;
  for (char *p = block; *p;) {
    while (*p == ' ' || *p == '\t') *p++ = 0;
    if (!*p) break;
    if (k == TGI_CC_WORDS) return -1;
    w[k++] = p;
    while (*p && *p != ' ' && *p != '\t') p++;
  }
  w[k] = NULL;
  return k;
}

static bool is_exec_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The program name as the shell would find it: a name with a slash as is, else the first
   executable file of that name along $PATH. */
static bool find_program(const char *name, char *out, size_t n) {
  if (strchr(name, '/')) {
    snprintf(out, n, "%s", name);
    return is_exec_file(out);
  }
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    const char *colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);
    int w = snprintf(out, n, "%.*s/%s", (int)len, len ? path : ".", name);
    if (w > 0 && (size_t)w < n && is_exec_file(out)) return true;
    path += len + (colon != NULL);
  }
  return false;
}

/* ---- running programs ---- */

/* Wait for pid; its exit status, 128 + signal when killed, -1 when unknown. */
static int wait_child(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1; /* e.g. the host ignores SIGCHLD: status lost */
  return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

/* The first line of `prog word0 --version`'s output into line; false with why. */
static bool probe_version(const char *prog, const char *word0, char *line, size_t n,
                          char *why, size_t whyn) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    snprintf(why, whyn, "pipe: %s", strerror(errno));
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  char *argv[] = {(char *)word0, (char *)"--version", NULL};
  pid_t pid;
  int rc = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    snprintf(why, whyn, "cannot run '%.200s': %s", prog, strerror(rc));
    return false;
  }
  char out[1024];
  size_t k = 0;
  for (;;) { /* read everything, so the child never blocks on a full pipe */
    char tmp[4096];
    ssize_t r = read(fds[0], tmp, sizeof tmp);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    for (ssize_t i = 0; i < r && k + 1 < sizeof out; i++) out[k++] = tmp[i];
  }
  close(fds[0]);
  out[k] = 0;
  int st = wait_child(pid);
  out[strcspn(out, "\r\n")] = 0;
  if (st != 0 && st != -1) {
    snprintf(why, whyn, "'%.200s --version' failed (exit status %d)", word0, st);
    return false;
  }
  if (!out[0]) {
    snprintf(why, whyn, "'%.200s --version' printed nothing", word0);
    return false;
  }
  size_t m = strlen(out) < n ? strlen(out) : n - 1; /* a longer line is cut */
  memcpy(line, out, m);
  line[m] = 0;
  return true;
}

/* ---- the on-disk memo of `--version`: a new process then needs no compiler run ---- */

/* The memo's file name for the program at real (its identity by stat: a new install
   changes inode, size or times). */
static bool memo_path(const char *dir, const char *real, char *out, size_t n) {
  struct stat st;
  if (!dir || stat(real, &st) != 0) return false;
  char ident[TGI_PATH_MAX + 160];
  int len = snprintf(ident, sizeof ident, "%s|%ju|%ju|%jd|%jd.%ld|%jd.%ld", real,
                     (uintmax_t)st.st_dev, (uintmax_t)st.st_ino, (intmax_t)st.st_size,
                     (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                     (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
  if (len < 0 || (size_t)len >= sizeof ident) return false;
  unsigned char h[32];
  char hex[33];
  tgi_sha256(ident, (size_t)len, h);
  tgi_hex(h, 16, hex);
  int w = snprintf(out, n, "%s/cc-%s.id", dir, hex);
  return w > 0 && (size_t)w < n;
}

static bool memo_read(const char *path, char *line, size_t n) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  ssize_t r = read(fd, line, n - 1);
  close(fd);
  if (r <= 1 || line[r - 1] != '\n') return false; /* missing or cut short */
  line[r - 1] = 0;
  return strchr(line, '\n') == NULL;
}

/* Best effort: a failure only costs the next process one compiler run. */
static void memo_write(const char *path, const char *line) {
  char tmp[TGI_PATH_MAX + 32];
  int w = snprintf(tmp, sizeof tmp, "%s.%ld.part", path, (long)getpid());
  if (w < 0 || (size_t)w >= sizeof tmp) return;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;
  size_t len = strlen(line);
  bool ok = write(fd, line, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

void tgi_cc_remember(const tgi_cc *cc, const char *dir) {
  char mpath[TGI_PATH_MAX + 64];
  if (memo_path(dir, cc->real, mpath, sizeof mpath) && access(mpath, F_OK) != 0)
    memo_write(mpath, cc->version);
}

/* ---- the probe ---- */

/* Fill c (setting already set) by finding and asking the compiler; c->err on failure. */
static void probe(tgi_cc *c, const char *memo_dir) {
  memcpy(c->words, c->setting, sizeof c->words);
  char *words[TGI_CC_WORDS + 1];
  int nw = split_words(c->words, words);
  if (nw <= 0) {
    tgi_err_set(&c->err, TG_ERR_NOTIMPL, "no C compiler: the cc setting '%.200s' %s",
                c->setting, nw ? "has too many words" : "is empty");
    return;
  }
  char line[512], why[320];
  if (!find_program(words[0], c->prog, sizeof c->prog)) {
    tgi_err_set(&c->err, TG_ERR_NOTIMPL,
                "no C compiler: '%.200s' was not found or is not executable (set "
                "TGRAPH_FLAGS=cc=... or CC, or linker=ref for the reference backend)",
                words[0]);
    return;
  }
  if (!realpath(c->prog, c->real)) snprintf(c->real, sizeof c->real, "%s", c->prog);
  char mpath[TGI_PATH_MAX + 64];
  bool have_memo = memo_path(memo_dir, c->real, mpath, sizeof mpath);
  if (!(have_memo && memo_read(mpath, line, sizeof line))) {
    if (!probe_version(c->prog, words[0], line, sizeof line, why, sizeof why)) {
      tgi_err_set(&c->err, TG_ERR_NOTIMPL, "no C compiler: %s", why);
      return;
    }
    if (have_memo) memo_write(mpath, line);
  }
  snprintf(c->version, sizeof c->version, "%s", line);
  snprintf(c->line, sizeof c->line, "%s (%s): %s", c->setting, c->real, line);
  c->argv[0] = c->prog;
  for (int i = 1; i <= nw; i++) c->argv[i] = words[i];
  c->argc = nw;
  /* gcc by its own account ("cc (GCC) 13.1.1") or its file's name (Debian's cc prints
     "cc (Debian 12.2.0-14) 12.2.0" and is x86_64-linux-gnu-gcc-12); never clang */
  const char *base = strrchr(c->real, '/') ? strrchr(c->real, '/') + 1 : c->real;
  c->gcc = (strstr(line, "GCC") || strstr(line, "gcc") || strstr(base, "gcc")) &&
           !strstr(line, "clang") && !strstr(base, "clang");

  /* The identity: everything but the source that decides what the object contains. */
  pthread_once(&cpu_once, cpu_init);
  tgi_sha256_ctx s;
  char abi[64];
  int an = snprintf(abi, sizeof abi, "tgraph native abi %d %s", TGI_NATIVE_ABI, tg_version());
  tgi_sha256_init(&s);
  tgi_sha256_update(&s, abi, (size_t)an + 1);
  tgi_sha256_update(&s, c->real, strlen(c->real) + 1);
  tgi_sha256_update(&s, line, strlen(line) + 1);
  for (int i = 1; i < nw; i++) tgi_sha256_update(&s, words[i], strlen(words[i]) + 1);
  tgi_sha256_update(&s, "|", 2);
  for (const char *const *f = cc_flags; *f; f++) tgi_sha256_update(&s, *f, strlen(*f) + 1);
  for (const char *const *f = cc_libs; *f; f++) tgi_sha256_update(&s, *f, strlen(*f) + 1);
  for (const char *const *f = gcc_o3; c->gcc && *f; f++) tgi_sha256_update(&s, *f, strlen(*f) + 1);
  tgi_sha256_update(&s, cpu_id, sizeof cpu_id);
  tgi_sha256_final(&s, c->id);
}

const tgi_cc *tgi_cc_get(const char *memo_dir, tgi_err *err) {
  const char *setting = tg_config_get("cc");
  if (!setting || !*setting) setting = getenv("CC");
  if (!setting || !*setting) setting = "cc";
  if (strlen(setting) >= TGI_CC_SETTING_MAX) {
    tgi_err_set(err, TG_ERR_NOTIMPL, "no C compiler: the cc setting is longer than %d bytes",
                TGI_CC_SETTING_MAX - 1);
    return NULL;
  }
  pthread_mutex_lock(&probe_mu);
  tgi_cc *c = NULL;
  for (int i = 0; i < nprobes && !c; i++)
    if (strcmp(probes[i].setting, setting) == 0) c = &probes[i];
  if (!c && nprobes < NPROBES) {
    c = &probes[nprobes];
    snprintf(c->setting, sizeof c->setting, "%s", setting);
    probe(c, memo_dir);
    nprobes++; /* published after it is filled: readers outside the lock only see done ones */
  }
  pthread_mutex_unlock(&probe_mu);
  if (!c) {
    tgi_err_set(err, TG_ERR_NOTIMPL, "no C compiler: this process has used %d different cc "
                "settings, the most it remembers ('%.200s' is one more)", NPROBES, setting);
    return NULL;
  }
  if (c->err.status != TG_OK) {
    tgi_err_set(err, c->err.status, "%s", c->err.msg);
    return NULL;
  }
  return c;
}

const char *tgi_native_compiler(tgi_err *why) {
  char dir[TGI_PATH_MAX];
  tgi_err ignore = {0};
  /* The disk memo only where the cache directory is already there and safe. */
  bool memo = tgi_native_cache_path(dir, sizeof dir, &ignore) &&
              tgi_native_cache_check(dir, false, &ignore) == TG_OK;
  const tgi_cc *c = tgi_cc_get(memo ? dir : NULL, why);
  return c ? c->line : NULL;
}

/* ---- compiling ---- */

void tgi_cc_cleanup(const char *dir) {
  static const char *const names[] = {"k.c", "k.so", "k.err", NULL};
  char p[TGI_PATH_MAX + 16];
  for (const char *const *nm = names; *nm; nm++) {
    snprintf(p, sizeof p, "%s/%s", dir, *nm);
    unlink(p);
  }
  rmdir(dir);
}

bool tgi_write_new_file(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  while (len) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      close(fd);
      return false;
    }
    data += w, len -= (size_t)w;
  }
  return close(fd) == 0;
}

/* The compiler's first lines of output into msg, with the private directory's name taken
   out of file names ("k.c:3:5: error: ..."). */
static void first_lines(const char *errpath, const char *dir, char *msg, size_t n) {
  unsigned char data[4096]; /* the start is all a message can hold */
  size_t len = 0;
  msg[0] = 0;
  int fd = open(errpath, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  for (ssize_t r; len < sizeof data; len += (size_t)r)
    if ((r = read(fd, data + len, sizeof data - len)) <= 0) break;
  close(fd);
  size_t dl = strlen(dir), k = 0;
  int lines = 0;
  for (size_t i = 0; i < len && k + 1 < n && lines < 4; i++) {
    if (len - i > dl && memcmp(data + i, dir, dl) == 0 && data[i + dl] == '/') {
      i += dl; /* skip "<dir>/" */
      continue;
    }
    if (data[i] == '\n') lines++;
    msg[k++] = (char)data[i];
  }
  while (k && msg[k - 1] == '\n') k--;
  msg[k] = 0;
}

tg_status tgi_cc_compile(const tgi_cc *cc, const char *src, size_t len, int opt, char *dir,
                         size_t n, tgi_err *err) {
  static const char *const levels[] = {"-O1", "-O2", "-O3"};
  const char *tmp = getenv("TMPDIR");
  if (!tmp || tmp[0] != '/') tmp = "/tmp";
  int w = snprintf(dir, n, "%s/tgraph-cc-XXXXXX", tmp);
  if (w < 0 || (size_t)w >= n || (size_t)w + 16 > TGI_PATH_MAX)
    return tgi_err_set(err, TG_ERR_IO, "native: temporary directory name too long");
  if (!mkdtemp(dir)) /* mode 0700: nobody else can swap our files */
    return tgi_err_set(err, TG_ERR_IO, "native: cannot make a temporary directory in %s: %s",
                       tmp, strerror(errno));
  char cpath[TGI_PATH_MAX + 8], sopath[TGI_PATH_MAX + 8], epath[TGI_PATH_MAX + 8];
  snprintf(cpath, sizeof cpath, "%s/k.c", dir);
  snprintf(sopath, sizeof sopath, "%s/k.so", dir);
  snprintf(epath, sizeof epath, "%s/k.err", dir);
  if (!tgi_write_new_file(cpath, src, len)) {
    int e = errno;
    tgi_cc_cleanup(dir);
    return tgi_err_set(err, TG_ERR_IO, "native: cannot write %s: %s", cpath, strerror(e));
  }
  enum { NFIXED = sizeof cc_flags / sizeof *cc_flags + sizeof cc_libs / sizeof *cc_libs +
                  sizeof gcc_o3 / sizeof *gcc_o3 + 4 };
  char *argv[TGI_CC_WORDS + NFIXED];
  int k = 0;
  /* argv[0] is the path found along $PATH, not its resolved target, so a wrapper that
     looks at its own name (ccache's compiler links) still works */
  argv[k++] = cc->argv[0];
  for (int i = 1; i < cc->argc; i++) argv[k++] = cc->argv[i];
  for (const char *const *f = cc_flags; *f; f++) {
    if (f != cc_flags) argv[k++] = (char *)*f;
    else if (opt >= 1 && opt <= 2) argv[k++] = (char *)levels[opt - 1];
    else if (cc->gcc)
      for (const char *const *g = gcc_o3; *g; g++) argv[k++] = (char *)*g;
    else argv[k++] = (char *)*f;
  }
  argv[k++] = (char *)"-o";
  argv[k++] = sopath;
  argv[k++] = cpath;
  for (const char *const *f = cc_libs; *f; f++) argv[k++] = (char *)*f;
  argv[k] = NULL;

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid;
  int rc = posix_spawn(&pid, cc->argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    tgi_cc_cleanup(dir);
    return tgi_err_set(err, TG_ERR_NOTIMPL, "no C compiler: cannot run '%s': %s",
                       cc->argv[0], strerror(rc));
  }
  int st = wait_child(pid);
  struct stat sb;
  bool have_so = stat(sopath, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
  if (st != 0 && !(st == -1 && have_so)) {
    char msg[400];
    first_lines(epath, dir, msg, sizeof msg);
    tgi_cc_cleanup(dir);
    if (st == 127)
      return tgi_err_set(err, TG_ERR_NOTIMPL, "no C compiler: '%s' could not be run: %s",
                         cc->argv[0], msg[0] ? msg : "exit status 127");
    if (st > 128)
      return tgi_err_set(err, TG_ERR_RUNTIME, "native: the C compiler was killed by signal "
                         "%d: %s", st - 128, msg[0] ? msg : "(no message)");
    return tgi_err_set(err, TG_ERR_RUNTIME, "native: the C compiler failed (exit status %d): %s",
                       st, msg[0] ? msg : "(no message)");
  }
  if (!have_so) {
    tgi_cc_cleanup(dir);
    return tgi_err_set(err, TG_ERR_RUNTIME, "native: the C compiler made no object file");
  }
  return TG_OK;
}

/* ---- escaping user text ---- */

/* Characters that stay as they are. Everything else, including * / \ " ' ? and newlines
   (which could end a comment or a string, splice lines or form a trigraph) and every
   non-ASCII byte, becomes a three-digit octal escape: inside a string literal it stands
   for the same byte, and inside a comment it is inert text. Three digits always, so a
   following digit can never extend it (unlike \x escapes, which take any number). */
static bool plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != 0 && strchr(" _-+.,:;=()[]{}<>#!@$%^&|~", c) != NULL);
}

void tgi_c_escape(const char *text, char *buf, size_t n) {
  if (!buf || n == 0) return;
  size_t k = 0;
  for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
    size_t need = plain(*p) ? 1 : 4;
    if (k + need + 1 > n) break; /* never half an escape */
    if (need == 1) {
      buf[k++] = (char)*p;
    } else {
      buf[k++] = '\\';
      buf[k++] = (char)('0' + (*p >> 6));
      buf[k++] = (char)('0' + ((*p >> 3) & 7));
      buf[k++] = (char)('0' + (*p & 7));
    }
  }
  buf[k] = 0;
}

/* test_pool.c: the shared thread pool (src/backend/cpu/pool.c): a chunked sum over 10^7
   elements equals the serial sum exactly; every index runs exactly once; nested runs from
   inside tasks complete (serially); 8 threads calling tgi_pool_run at once all get correct
   results; a rendezvous shows that with T threads, T tasks really run at the same time;
   tgi_pool_chunks' contract; a forked child can use the pool. Run by ctest with the
   default size, and by tests/pool_threads.sh with TGRAPH_NUM_THREADS=1 and =3 (the
   expected count is then passed in TG_POOL_EXPECT). Part of `make tsan`. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/cpu/pool.h"
#include "harness.h"
#ifdef TGRAPH_HAVE_BLAS
#include <cblas.h>
#endif

/* ---- a chunked sum: integers, so the parallel result must equal the serial one exactly ---- */
#define SUM_N 10000000
static int32_t *sum_data;

typedef struct {
  int64_t total, nchunks;
  int64_t partial[256];
} sum_job;

static void sum_chunk(void *ctx, int64_t c) {
  sum_job *j = ctx;
  int64_t b = tgi_pool_chunk_begin(j->total, j->nchunks, c);
  int64_t e = tgi_pool_chunk_begin(j->total, j->nchunks, c + 1);
  int64_t s = 0;
  for (int64_t i = b; i < e; i++) s += sum_data[i];
  j->partial[c] = s;
}

static int64_t pool_sum(int64_t min_chunk) {
  sum_job j;
  j.total = SUM_N;
  j.nchunks = tgi_pool_chunks(SUM_N, min_chunk);
  if (j.nchunks > 256) return -1;
  tgi_pool_run(j.nchunks, sum_chunk, &j);
  int64_t s = 0;
  for (int64_t c = 0; c < j.nchunks; c++) s += j.partial[c];
  return s;
}

TEST(chunked_sum) {
  sum_data = malloc(SUM_N * sizeof *sum_data);
  CHECK(sum_data != NULL);
  if (!sum_data) return;
  uint32_t r = 12345;
  int64_t serial = 0;
  for (int64_t i = 0; i < SUM_N; i++) {
    r = r * 1664525u + 1013904223u;
    sum_data[i] = (int32_t)(r >> 8) - (1 << 23);
    serial += sum_data[i];
  }
  CHECK(pool_sum(1 << 16) == serial);
  CHECK(pool_sum(1) == serial);
  CHECK(pool_sum(SUM_N) == serial); /* one chunk */
  free(sum_data);
}

/* ---- every index exactly once, for many sizes ---- */
typedef struct {
  atomic_int *hits;
} once_job;
static void hit(void *ctx, int64_t i) { atomic_fetch_add(&((once_job *)ctx)->hits[i], 1); }

TEST(each_index_once) {
  static atomic_int hits[5000];
  const int64_t sizes[] = {0, 1, 2, 3, 7, 64, 1000, 4999};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    for (int i = 0; i < 5000; i++) atomic_store(&hits[i], 0);
    once_job j = {hits};
    tgi_pool_run(sizes[k], hit, &j);
    int bad = 0;
    for (int64_t i = 0; i < 5000; i++) bad += atomic_load(&hits[i]) != (i < sizes[k]);
    CHECK(bad == 0);
  }
  tgi_pool_run(-5, hit, NULL); /* nothing to do: must not touch ctx */
  tgi_pool_run(10, NULL, NULL);
}

/* ---- nested runs: each outer task runs an inner pool_run ---- */
typedef struct {
  atomic_long sum;
} nest_job;
static void inner(void *ctx, int64_t i) { atomic_fetch_add(&((nest_job *)ctx)->sum, (long)i + 1); }
static void outer(void *ctx, int64_t i) {
  (void)i;
  tgi_pool_run(100, inner, ctx); /* runs serially in this thread: must not deadlock */
}

TEST(nested_runs) {
  nest_job j;
  atomic_init(&j.sum, 0);
  tgi_pool_run(50, outer, &j);
  CHECK(atomic_load(&j.sum) == 50L * 5050L);
  /* twice nested */
  atomic_store(&j.sum, 0);
  tgi_pool_run(3, outer, &j);
  CHECK(atomic_load(&j.sum) == 3L * 5050L);
}

/* ---- 8 threads calling tgi_pool_run at the same time ---- */
typedef struct {
  int64_t n;
  int64_t *out;
} square_job;
static void square(void *ctx, int64_t i) {
  square_job *j = ctx;
  j->out[i] = i * i;
}
static void *caller_main(void *arg) {
  long *ok = arg;
  int64_t out[3000];
  *ok = 1;
  for (int rep = 0; rep < 40; rep++) {
    int64_t n = 1000 + rep * 50;
    for (int64_t i = 0; i < n; i++) out[i] = -1;
    square_job j = {n, out};
    tgi_pool_run(n, square, &j);
    for (int64_t i = 0; i < n; i++)
      if (out[i] != i * i) *ok = 0;
  }
  return NULL;
}

TEST(concurrent_callers) {
  pthread_t t[8];
  long ok[8];
  int started = 0;
  for (int i = 0; i < 8; i++) started += pthread_create(&t[i], NULL, caller_main, &ok[i]) == 0;
  CHECK(started == 8);
  for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < started; i++) CHECK(ok[i] == 1);
}

/* ---- real parallelism: T tasks, each waits (up to 20 s) until all T have started. A pool
   of T threads gets them all running at once; a serial one could not, and the rendezvous
   would time out. Also checks that the caller takes part (one task runs in this thread). */
typedef struct {
  int want;
  atomic_int arrived;
  atomic_int met;
  pthread_t caller;
  atomic_int on_caller;
} meet_job;
static void meet(void *ctx, int64_t i) {
  (void)i;
  meet_job *j = ctx;
  if (pthread_equal(pthread_self(), j->caller)) atomic_fetch_add(&j->on_caller, 1);
  atomic_fetch_add(&j->arrived, 1);
  struct timespec d = {0, 1000000}; /* 1 ms */
  for (int k = 0; k < 20000 && atomic_load(&j->arrived) < j->want; k++) nanosleep(&d, NULL);
  if (atomic_load(&j->arrived) >= j->want) atomic_fetch_add(&j->met, 1);
}

TEST(threads_run_together) {
  int t = tgi_pool_threads();
  CHECK(t >= 1);
  const char *expect = getenv("TG_POOL_EXPECT");
  if (expect) CHECK(t == atoi(expect));
  meet_job j;
  j.want = t;
  atomic_init(&j.arrived, 0);
  atomic_init(&j.met, 0);
  atomic_init(&j.on_caller, 0);
  j.caller = pthread_self();
  tgi_pool_run(t, meet, &j);
  CHECK(atomic_load(&j.met) == t);
  CHECK(atomic_load(&j.on_caller) >= 1);
  /* TGRAPH_NUM_THREADS=1 means no threads at all */
  CHECK(tgi_pool_workers_started() == t - 1);
}

TEST(chunks_contract) {
  int t = tgi_pool_threads();
  CHECK(tgi_pool_chunks(0, 10) == 0);
  CHECK(tgi_pool_chunks(-3, 10) == 0);
  CHECK(tgi_pool_chunks(5, 10) == 1);     /* less than one chunk's worth: one chunk */
  CHECK(tgi_pool_chunks(100, 0) >= 1);    /* min_chunk < 1 is taken as 1 */
  CHECK(tgi_pool_chunks(1000000, 1) == (t == 1 ? 1 : 4 * t));
  for (int64_t total = 1; total < 3000; total += 37) {
    int64_t n = tgi_pool_chunks(total, 100);
    CHECK(n >= 1);
    CHECK(n == 1 || total / n >= 100); /* chunks of at least min_chunk */
    CHECK(tgi_pool_chunk_begin(total, n, 0) == 0);
    CHECK(tgi_pool_chunk_begin(total, n, n) == total);
    for (int64_t c = 0; c < n; c++) {
      int64_t len = tgi_pool_chunk_begin(total, n, c + 1) - tgi_pool_chunk_begin(total, n, c);
      if (n > 1) CHECK(len >= 100);
    }
  }
}

/* BLAS's spinning window: none before any BLAS call; after one on several threads it is
   open, and it closes 0.1 s later. */
TEST(blas_spinning_window) {
  CHECK(!tgi_blas_spinning());
  tgi_blas_threads_coordinate(); /* what each BLAS call site does first */
#ifdef TGRAPH_HAVE_BLAS
  bool several = openblas_get_num_threads() > 1;
#else
  bool several = false; /* no BLAS, no BLAS threads */
#endif
  CHECK(tgi_blas_spinning() == several);
  struct timespec ts = {0, 150 * 1000 * 1000};
  nanosleep(&ts, NULL);
  CHECK(!tgi_blas_spinning());
}

/* ---- fork: the child has no workers but must not hang using the pool ---- */
#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer cannot start threads in the child of a multi-threaded process; the
   normal and AddressSanitizer builds run this case. */
TEST(fork_child) { printf("fork_child: not run under ThreadSanitizer (see the source)\n"); }
#else
TEST(fork_child) {
  nest_job j;
  atomic_init(&j.sum, 0);
  tgi_pool_run(64, inner, &j); /* the parent's pool is started */
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    nest_job k;
    atomic_init(&k.sum, 0);
    tgi_pool_run(1000, inner, &k);
    _exit(atomic_load(&k.sum) == 500500L ? 0 : 1);
  }
  if (pid < 0) return;
  int st = 0;
  pid_t w = -1;
  for (int k = 0; k < 2000 && (w = waitpid(pid, &st, WNOHANG)) == 0; k++) usleep(10000);
  if (w == 0) { /* still running after 20 s: hung */
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    TH_FAIL("the forked child hung in tgi_pool_run");
    return;
  }
  CHECK(w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
#endif

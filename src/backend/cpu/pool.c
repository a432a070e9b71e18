/* pool.c: the shared thread pool behind tgi_pool_run, and the OpenBLAS thread coordination.

   One pool per process: TGRAPH_NUM_THREADS threads in all (default: online cores), the
   caller of a run being one of them, so TGRAPH_NUM_THREADS - 1 workers. Workers are started
   on the first parallel run and live until the process ends, sleeping on a condition
   variable between runs (no spinning, so an idle pool costs no CPU).

   A run hands out the indices [0, n) through an atomic counter; every thread, the caller
   included, takes indices until none are left. Workers "join" a run under the mutex while
   it is open; the caller, when it runs out of indices, closes the run and waits for the
   joined workers to finish theirs. A worker that wakes late finds the run closed and goes
   back to sleep, so the caller never waits for a sleeping worker.

   One run at a time: a caller that finds the pool busy (another thread's run), or that is
   itself inside a task (a nested run), runs its indices serially, so there is no deadlock
   and no queue. A child made by fork() starts with no workers (pthread_atfork resets the
   state) and starts its own on its first run.

   The pool allocates nothing through tgi_malloc: workers are detached and keep no state of
   their own, so there is no allocation to fail, and the one-off start of the pool never
   shows up in an allocation-failure sweep of whatever first runs it. If threads cannot be
   created, runs are serial. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

#ifdef TGRAPH_HAVE_BLAS
#include <cblas.h>
#endif

#define POOL_MAX_THREADS 1024
/* How long OpenBLAS's idle workers keep spinning after a call: 2^28 cycles (its default
   THREAD_TIMEOUT) at 3 GHz and more. */
#define BLAS_SPIN_NS 100000000

static struct {
  pthread_mutex_t mu;
  pthread_cond_t wake; /* workers wait here for a run */
  pthread_cond_t done; /* the caller waits here for joined workers to finish */
  int nthreads;        /* configured, >= 1; set once */
  int nworkers;        /* workers started */
  bool started;        /* start attempted and some worker runs */
  bool busy;           /* a run is in progress */
  bool open;           /* the current run still accepts workers */
  uint64_t gen;        /* run number, so a worker joins each run at most once */
  int joined;          /* workers inside the current run */
  void (*fn)(void *ctx, int64_t i);
  void *ctx;
  int64_t n;
  atomic_int_fast64_t next; /* next index to hand out */
} P = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER,
       .done = PTHREAD_COND_INITIALIZER};

/* True in workers, and in a caller while it runs tasks: a run started from here is nested. */
static _Thread_local bool in_task;

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

/* fork: hold the mutex across fork so the child gets it in a known state; in the child the
   workers are gone, so forget them. */
static void atfork_prepare(void) { pthread_mutex_lock(&P.mu); }
static void atfork_parent(void) { pthread_mutex_unlock(&P.mu); }
static void atfork_child(void) {
  P.nworkers = 0;
  P.started = false;
  P.busy = false;
  P.open = false;
  P.joined = 0;
  pthread_cond_init(&P.wake, NULL); /* no thread of the child waits on them */
  pthread_cond_init(&P.done, NULL);
  pthread_mutex_unlock(&P.mu);
}

/* TGRAPH_NUM_THREADS if it is an integer in [1, POOL_MAX_THREADS], else the online cores. */
static int configured_threads(void) {
  const char *s = getenv("TGRAPH_NUM_THREADS");
  if (s && *s) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!errno && *end == '\0' && v >= 1 && v <= POOL_MAX_THREADS) return (int)v;
  }
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  if (c < 1) c = 1;
  return c > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)c;
}

static void pool_init(void) {
  P.nthreads = configured_threads();
  pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

int tgi_pool_threads(void) {
  pthread_once(&pool_once, pool_init);
  return P.nthreads;
}

int tgi_pool_workers_started(void) {
  pthread_once(&pool_once, pool_init);
  pthread_mutex_lock(&P.mu);
  int n = P.nworkers;
  pthread_mutex_unlock(&P.mu);
  return n;
}

/* Take indices until none are left. */
static void run_items(void (*fn)(void *, int64_t), void *ctx, int64_t n) {
  for (;;) {
    int64_t i = atomic_fetch_add_explicit(&P.next, 1, memory_order_relaxed);
    if (i >= n) return;
    fn(ctx, i);
  }
}

static void *worker_main(void *arg) {
  (void)arg;
  in_task = true;
  uint64_t seen = 0;
  pthread_mutex_lock(&P.mu);
  for (;;) {
    while (!(P.open && P.gen != seen)) pthread_cond_wait(&P.wake, &P.mu);
    seen = P.gen;
    P.joined++;
    void (*fn)(void *, int64_t) = P.fn;
    void *ctx = P.ctx;
    int64_t n = P.n;
    pthread_mutex_unlock(&P.mu);
    run_items(fn, ctx, n);
    pthread_mutex_lock(&P.mu);
    if (--P.joined == 0 && !P.open) pthread_cond_signal(&P.done);
  }
  return NULL;
}

/* Start the workers (P.mu held). They are detached: the pool lives as long as the process.
   Signals are blocked in them so that they land in the application's own threads. */
static void start_workers_locked(void) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  for (int i = 1; i < P.nthreads; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker_main, NULL) != 0) break;
    pthread_detach(t);
    P.nworkers++;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  P.started = P.nworkers > 0; /* none: try again next run */
}

static void run_serial(int64_t n, void (*fn)(void *, int64_t), void *ctx) {
  for (int64_t i = 0; i < n; i++) fn(ctx, i);
}

void tgi_pool_run(int64_t n, void (*fn)(void *ctx, int64_t i), void *ctx) {
  if (n <= 0 || !fn) return;
  if (n == 1 || in_task || tgi_pool_threads() <= 1) {
    run_serial(n, fn, ctx);
    return;
  }
  pthread_mutex_lock(&P.mu);
  if (!P.started) start_workers_locked();
  if (P.busy || P.nworkers == 0) { /* another thread's run, or no workers: serial */
    pthread_mutex_unlock(&P.mu);
    run_serial(n, fn, ctx);
    return;
  }
  P.busy = true;
  P.fn = fn;
  P.ctx = ctx;
  P.n = n;
  atomic_store_explicit(&P.next, 0, memory_order_relaxed);
  P.open = true;
  P.gen++;
  if (n - 1 >= P.nworkers) pthread_cond_broadcast(&P.wake);
  else
    for (int64_t i = 0; i < n - 1; i++) pthread_cond_signal(&P.wake);
  pthread_mutex_unlock(&P.mu);

  in_task = true;
  run_items(fn, ctx, n);
  in_task = false;

  pthread_mutex_lock(&P.mu);
  P.open = false; /* every index is handed out; late wakers must not join */
  while (P.joined > 0) pthread_cond_wait(&P.done, &P.mu);
  P.busy = false;
  pthread_mutex_unlock(&P.mu);
}

int64_t tgi_pool_chunks(int64_t total, int64_t min_chunk) {
  if (total <= 0) return 0;
  if (min_chunk < 1) min_chunk = 1;
  int t = tgi_pool_threads();
  /* a few chunks per thread even out uneven progress; one thread needs one chunk */
  int64_t cap = t == 1 ? 1 : 4 * (int64_t)t;
  int64_t c = total / min_chunk;
  if (c > cap) c = cap;
  return c < 1 ? 1 : c;
}

/* Monotonic nanoseconds of the last BLAS call on more than one thread, 0 for none. */
static atomic_int_fast64_t blas_last;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

#ifdef TGRAPH_HAVE_BLAS
static int blas_threads = 1; /* OpenBLAS's, once sized */

/* OpenBLAS sizes itself to the cores on load; with the pool that is fine as long as BLAS
   only runs while the pool is idle (the rule in pool.h), and the pool's size is what the
   user chose with TGRAPH_NUM_THREADS. An explicit OPENBLAS_NUM_THREADS is left alone. */
static void blas_once(void) {
  const char *s = getenv("OPENBLAS_NUM_THREADS");
  if (!s || !*s) openblas_set_num_threads(tgi_pool_threads());
  blas_threads = openblas_get_num_threads();
}
#endif

void tgi_blas_threads_coordinate(void) {
#ifdef TGRAPH_HAVE_BLAS
  static pthread_once_t blas_done = PTHREAD_ONCE_INIT;
  pthread_once(&blas_done, blas_once);
  if (blas_threads > 1) atomic_store_explicit(&blas_last, now_ns(), memory_order_relaxed);
#endif
}

bool tgi_blas_spinning(void) {
  int64_t t = atomic_load_explicit(&blas_last, memory_order_relaxed);
  return t != 0 && now_ns() - t < BLAS_SPIN_NS;
}

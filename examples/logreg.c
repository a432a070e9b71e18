/* logreg.c: logistic regression as in Theano's tutorial. 400 random samples of 784
   features with random 0/1 labels (fixed seed), cost = mean cross-entropy + 0.01 * |w|^2,
   10,000 gradient steps at 0.1 compiled into one function with updates. Prints the cost
   before and after, the training accuracy and the wall time; with an argument, writes the
   training graph as Graphviz DOT to that path. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <tgraph/tgraph.h>

#define N 400
#define FEATS 784
#define STEPS 10000

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static double uniform(void) { /* xorshift64*, in [0, 1) */
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return (double)((rng * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
}
static double normal(void) { /* Box-Muller */
  double u = uniform() + 1e-300, v = uniform();
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define TRY(x)                                                          \
  do {                                                                  \
    if (!(x)) {                                                         \
      fprintf(stderr, "logreg: %s failed: %s%s\n", #x, tg_graph_error(g), tg_errmsg()); \
      return 1;                                                         \
    }                                                                   \
  } while (0)

int main(int argc, char **argv) {
  static double xs[N * FEATS], ys[N];
  for (int i = 0; i < N * FEATS; i++) xs[i] = normal();
  for (int i = 0; i < N; i++) ys[i] = uniform() < 0.5 ? 0 : 1;
  tg_array *D_x = tg_array_from_f64(2, (int64_t[]){N, FEATS}, xs);
  tg_array *D_y = tg_array_from_f64(1, (int64_t[]){N}, ys);
  static double w0[FEATS];
  for (int i = 0; i < FEATS; i++) w0[i] = normal();
  tg_array *w_init = tg_array_from_f64(1, (int64_t[]){FEATS}, w0);
  tg_array *b_init = tg_array_scalar(TG_FLOAT64, 0.0);

  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_FLOAT64);
  tg_var *w = tg_shared(g, "w", w_init, false), *b = tg_shared(g, "b", b_init, false);
  /* Theano's tutorial writes p_1 = 1 / (1 + exp(-dot(x, w) - b)) and
     xent = -y log(p_1) - (1 - y) log(1 - p_1); with w ~ N(0, 1) over 784 features p_1
     saturates to exactly 0 or 1 and the log gives -inf. Theano's stabilising rewrites
     turn that formula into the form below; until tgraph's rewrites land we write the
     stable form directly: the same function, computed from the logits. */
  tg_var *logits = tg_add(tg_dot(x, w), b);
  tg_var *p_1 = tg_sigmoid(logits);
  tg_var *prediction = tg_gt(p_1, tg_const_f64(g, 0.5));
  tg_var *xent = tg_sigmoid_binary_crossentropy(logits, y);
  tg_var *cost = tg_add(tg_mean(xent, -1, NULL, false),
                        tg_mul(tg_const_f64(g, 0.01), tg_sum(tg_sqr(w), -1, NULL, false)));
  tg_var *grads[2];
  TRY(cost && tg_grad(cost, TG_VARS(w, b), grads) == TG_OK);
  tg_options *o = tg_options_new();
  tg_var *lr = tg_const_f64(g, 0.1);
  tg_options_update(o, w, tg_sub(w, tg_mul(lr, grads[0])));
  tg_options_update(o, b, tg_sub(b, tg_mul(lr, grads[1])));
  tg_options_set(o, "name", "train");
  tg_function *train = tg_function_new(g, TG_VARS(x, y), TG_VARS(prediction, cost), o);
  tg_options_free(o);
  TRY(train);
  tg_function *predict = tg_function_new(g, TG_VARS(x), TG_VARS(prediction), NULL);
  TRY(predict);
  if (argc > 1) {
    FILE *fp = fopen(argv[1], "w");
    if (fp) {
      tg_function_dot(train, fp);
      fclose(fp);
      printf("wrote the training graph to %s\n", argv[1]);
    }
  }

  tg_array *out[2];
  double t0 = now(), first = 0, last = 0;
  for (int step = 0; step < STEPS; step++) {
    if (tg_function_call(train, (tg_array *[]){D_x, D_y}, out) != TG_OK) {
      fprintf(stderr, "logreg: step %d: %s\n", step, tg_function_error(train));
      return 1;
    }
    last = tg_array_get_f64(out[1], 0);
    if (step == 0) first = last;
    tg_array_unref(out[0]);
    tg_array_unref(out[1]);
  }
  double elapsed = now() - t0;
  TRY(tg_function_call(predict, (tg_array *[]){D_x}, out) == TG_OK);
  int correct = 0;
  for (int i = 0; i < N; i++) correct += (tg_array_get_f64(out[0], i) != 0) == (ys[i] != 0);
  tg_array_unref(out[0]);
  printf("logistic regression: %d samples, %d features, %d steps\n", N, FEATS, STEPS);
  printf("  cost before training: %.6f\n  cost after training:  %.6f\n", first, last);
  printf("  training accuracy: %.1f%%\n  wall time: %.2f s (%.1f us per step)\n",
         100.0 * correct / N, elapsed, 1e6 * elapsed / STEPS);
  tg_function_free(train);
  tg_function_free(predict);
  tg_graph_free(g);
  tg_array_unref(D_x);
  tg_array_unref(D_y);
  tg_array_unref(w_init);
  tg_array_unref(b_init);
  return 0;
}

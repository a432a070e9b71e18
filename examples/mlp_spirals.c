/* mlp_spirals.c: a two-hidden-layer MLP (2-64-64-3, relu, softmax) trained with minibatch
   SGD, momentum and dropout on three interleaved spirals, a problem no linear model
   separates. The dropout masks come from a random stream (training only).
   The data lives in shared variables and each minibatch is a symbolic slice of it
   (Theano's givens idiom). Prints one line per epoch, the held-out accuracy, then saves a
   checkpoint, reloads it into a fresh graph and function, and checks that the predictions
   are the same. Argument: a directory for the checkpoint (default: the current one). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tgraph/tgraph.h>

#define CLASSES 3
#define PER_CLASS 400 /* 300 to train, 100 held out */
#define N_TRAIN (CLASSES * 300)
#define N_TEST (CLASSES * 100)
#define HIDDEN 64
#define BATCH 30
#define EPOCHS 60
#define DROP 0.1 /* dropout rate of the hidden layers while training */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double uniform(void) {
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return (double)((rng * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
}
static double normal(void) {
  double u = uniform() + 1e-300, v = uniform();
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Three spirals, shuffled: class k at angle 4k/3*pi + 4t, radius t, plus noise. */
static void make_data(double *x, int64_t *y, double *xt, int64_t *yt) {
  static double all[CLASSES * PER_CLASS][2];
  static int64_t lab[CLASSES * PER_CLASS];
  int n = 0;
  for (int k = 0; k < CLASSES; k++)
    for (int i = 0; i < PER_CLASS; i++, n++) {
      double t = (double)i / PER_CLASS, a = 4.18879 * k + 4.0 * t + 0.2 * normal();
      all[n][0] = t * cos(a);
      all[n][1] = t * sin(a);
      lab[n] = k;
    }
  for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
    int j = (int)(uniform() * (i + 1));
    double t0 = all[i][0], t1 = all[i][1];
    int64_t tl = lab[i];
    all[i][0] = all[j][0], all[i][1] = all[j][1], lab[i] = lab[j];
    all[j][0] = t0, all[j][1] = t1, lab[j] = tl;
  }
  for (int i = 0; i < N_TRAIN; i++) x[2 * i] = all[i][0], x[2 * i + 1] = all[i][1], y[i] = lab[i];
  for (int i = 0; i < N_TEST; i++) {
    xt[2 * i] = all[N_TRAIN + i][0], xt[2 * i + 1] = all[N_TRAIN + i][1];
    yt[i] = lab[N_TRAIN + i];
  }
}

static tg_array *randn(int64_t r, int64_t c, double scale) {
  tg_array *a = tg_array_empty(TG_FLOAT64, c ? 2 : 1, (int64_t[]){r, c});
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, scale * normal());
  return a;
}

/* Inverted dropout: keep each unit of h with probability 1 - DROP and scale the kept ones
   by 1/(1 - DROP), so that the expected activation is unchanged and prediction needs no
   rescaling. The mask, of h's symbolic shape, is drawn from the stream; its draws are
   recorded in masks[] so that the training function can move their states on. */
static tg_var *masks[2];
static int n_masks;
static tg_var *dropout(tg_rng *stream, tg_var *h) {
  tg_graph *g = tg_var_graph(h);
  tg_var *mask = tg_rng_bernoulli(stream, tg_const_f64(g, 1 - DROP), tg_shape(h), TG_FLOAT64);
  masks[n_masks++] = mask;
  return tg_mul(h, tg_mul(mask, tg_const_f64(g, 1 / (1 - DROP))));
}

/* The model's forward graph on x: logits. params: W1 b1 W2 b2 W3 b3. With a stream
   (training), dropout on both hidden layers; without (prediction), none. */
static tg_var *forward(tg_var *x, tg_var *const *p, tg_rng *stream) {
  tg_var *h1 = tg_relu(tg_add(tg_dot(x, p[0]), p[1]));
  if (stream) h1 = dropout(stream, h1);
  tg_var *h2 = tg_relu(tg_add(tg_dot(h1, p[2]), p[3]));
  if (stream) h2 = dropout(stream, h2);
  return tg_add(tg_dot(h2, p[4]), p[5]);
}

static const char *const names[6] = {"W1", "b1", "W2", "b2", "W3", "b3"};

/* Shared parameters of the model in graph g, initialised (He) from the generator. */
static void make_params(tg_graph *g, tg_var **p) {
  int64_t dims[4] = {2, HIDDEN, HIDDEN, CLASSES};
  for (int l = 0; l < 3; l++) {
    tg_array *w = randn(dims[l], dims[l + 1], sqrt(2.0 / (double)dims[l]));
    tg_array *b = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){dims[l + 1]});
    p[2 * l] = tg_shared(g, names[2 * l], w, false);
    p[2 * l + 1] = tg_shared(g, names[2 * l + 1], b, false);
    tg_array_unref(w);
    tg_array_unref(b);
  }
}

/* Argmax predictions of a compiled predict function on xa, into pred[]. */
static int predict(tg_function *f, tg_array *xa, int64_t *pred, int n) {
  tg_array *out[1];
  if (tg_function_call(f, (tg_array *[]){xa}, out) != TG_OK) {
    fprintf(stderr, "mlp: predict: %s\n", tg_function_error(f));
    return -1;
  }
  for (int i = 0; i < n; i++) pred[i] = tg_array_get_i64(out[0], i);
  tg_array_unref(out[0]);
  return 0;
}

#define TRY(x)                                                                          \
  do {                                                                                  \
    if (!(x)) {                                                                         \
      fprintf(stderr, "mlp: %s failed: %s%s\n", #x, tg_graph_error(g), tg_errmsg());     \
      return 1;                                                                         \
    }                                                                                   \
  } while (0)

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  static double xs[N_TRAIN * 2], xts[N_TEST * 2];
  static int64_t ys[N_TRAIN], yts[N_TEST], pred[N_TEST], pred2[N_TEST];
  make_data(xs, ys, xts, yts);
  tg_array *X = tg_array_from_f64(2, (int64_t[]){N_TRAIN, 2}, xs);
  tg_array *Y = tg_array_from_i64(1, (int64_t[]){N_TRAIN}, ys);
  tg_array *XT = tg_array_from_f64(2, (int64_t[]){N_TEST, 2}, xts);

  tg_graph *g = tg_graph_new();
  tg_var *p[6], *vel[6], *grads[6];
  make_params(g, p);
  tg_var *Xs = tg_shared(g, "X", X, true), *Ys = tg_shared(g, "Y", Y, true);
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_INT64);
  tg_var *idx = tg_scalar(g, "index", TG_INT64);
  tg_var *logits = forward(x, p, tg_rng_new(g, 2024));
  tg_var *loss = tg_mean(tg_categorical_crossentropy(tg_softmax(logits, -1), y), -1, NULL, false);
  tg_var *correct = tg_sum(tg_cast(tg_eq(tg_argmax(logits, 1, (int[]){1}, false), y), TG_FLOAT64),
                           -1, NULL, false);
  TRY(loss && correct && tg_grad(loss, 6, p, grads) == TG_OK);
  /* minibatch `index` of the shared data: x -> X[index*B:(index+1)*B] */
  tg_var *bs = tg_const_i64(g, BATCH);
  tg_var *lo = tg_mul(idx, bs), *hi = tg_mul(tg_add(idx, tg_const_i64(g, 1)), bs);
  tg_options *o = tg_options_new();
  tg_options_given(o, x, tg_subtensor(Xs, TG_IDX(TG_SLICE_VARS(lo, hi, NULL))));
  tg_options_given(o, y, tg_subtensor(Ys, TG_IDX(TG_SLICE_VARS(lo, hi, NULL))));
  tg_var *lr = tg_const_f64(g, 0.05), *mu = tg_const_f64(g, 0.9);
  for (int i = 0; i < 6; i++) { /* momentum: v = mu v - lr g; p = p + v */
    tg_array *z = tg_shared_get(p[i], false);
    for (int64_t k = 0; k < tg_array_size(z); k++) tg_array_set_f64(z, k, 0);
    char name[16];
    snprintf(name, sizeof name, "v_%s", names[i]);
    vel[i] = tg_shared(g, name, z, false);
    tg_array_unref(z);
    tg_var *v_new = tg_sub(tg_mul(mu, vel[i]), tg_mul(lr, grads[i]));
    tg_options_update(o, vel[i], v_new);
    tg_options_update(o, p[i], tg_add(p[i], v_new));
  }
  /* fresh masks on every step: each mask's stream state takes its state after the draw.
     That is the states' default update, listed explicitly because tg_function_new does
     not yet combine default updates with givens. */
  for (int i = 0; i < n_masks; i++) {
    tg_var *next, *state = tg_rng_state(masks[i], &next);
    TRY(state && tg_options_update(o, state, next) == TG_OK);
  }
  tg_options_set(o, "name", "train_step");
  tg_function *train = tg_function_new(g, TG_VARS(idx), TG_VARS(loss, correct), o);
  tg_options_free(o);
  TRY(train);
  tg_var *xq = tg_matrix(g, "xq", TG_FLOAT64);
  tg_function *pf = tg_function_new(g, TG_VARS(xq), TG_VARS(tg_argmax(forward(xq, p, NULL), 1, (int[]){1}, false)), NULL);
  TRY(pf);

  printf("MLP 2-%d-%d-%d on %d-class spirals: %d training points, %d held out, batch %d, "
         "dropout %.2f\n", HIDDEN, HIDDEN, CLASSES, CLASSES, N_TRAIN, N_TEST, BATCH, DROP);
  double t0 = now();
  for (int epoch = 1; epoch <= EPOCHS; epoch++) {
    double sum_loss = 0, sum_correct = 0;
    for (int b = 0; b < N_TRAIN / BATCH; b++) {
      tg_array *ia = tg_array_scalar(TG_INT64, b), *out[2];
      if (tg_function_call(train, (tg_array *[]){ia}, out) != TG_OK) {
        fprintf(stderr, "mlp: epoch %d: %s\n", epoch, tg_function_error(train));
        return 1;
      }
      sum_loss += tg_array_get_f64(out[0], 0);
      sum_correct += tg_array_get_f64(out[1], 0);
      tg_array_unref(out[0]);
      tg_array_unref(out[1]);
      tg_array_unref(ia);
    }
    if (epoch % 5 == 0 || epoch == 1)
      printf("  epoch %2d  loss %.4f  train accuracy %5.1f%%  elapsed %.2f s\n", epoch,
             sum_loss / (N_TRAIN / BATCH), 100 * sum_correct / N_TRAIN, now() - t0);
  }
  if (predict(pf, XT, pred, N_TEST)) return 1;
  int ok = 0;
  for (int i = 0; i < N_TEST; i++) ok += pred[i] == yts[i];
  double acc = 100.0 * ok / N_TEST;
  printf("  held-out accuracy: %.1f%% (%d of %d)\n", acc, ok, N_TEST);

  /* checkpoint: save, reload into a fresh graph and function, compare predictions */
  char path[4096];
  snprintf(path, sizeof path, "%s/mlp_spirals.npz", dir);
  TRY(tg_checkpoint_save(path, 6, p) == TG_OK);
  tg_graph *g2 = tg_graph_new();
  tg_var *p2[6];
  make_params(g2, p2); /* fresh random values, replaced by the checkpoint */
  if (tg_checkpoint_load(path, 6, p2) != TG_OK) {
    fprintf(stderr, "mlp: reload: %s\n", tg_errmsg());
    return 1;
  }
  tg_var *xq2 = tg_matrix(g2, "xq", TG_FLOAT64);
  tg_function *pf2 = tg_function_new(g2, TG_VARS(xq2), TG_VARS(tg_argmax(forward(xq2, p2, NULL), 1, (int[]){1}, false)), NULL);
  if (!pf2 || predict(pf2, XT, pred2, N_TEST)) return 1;
  int same = !memcmp(pred, pred2, sizeof pred);
  printf("  checkpoint %s: reloaded into a new function, predictions %s\n", path,
         same ? "identical" : "DIFFERENT");
  tg_function_free(pf2);
  tg_graph_free(g2);
  tg_function_free(train);
  tg_function_free(pf);
  tg_graph_free(g);
  tg_array_unref(X);
  tg_array_unref(Y);
  tg_array_unref(XT);
  if (!same || acc < 95.0) {
    fprintf(stderr, "mlp: %s\n", !same ? "reloaded predictions differ" : "accuracy below 95%");
    return 1;
  }
  return 0;
}

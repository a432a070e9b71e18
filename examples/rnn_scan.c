/* rnn_scan.c: a small recurrent network trained with scan and SGD. Each sequence is 20
   random inputs x_t in {-1, +1}; the target is an echo with memory,
   y_t = 0.5 x_t + 0.3 x_{t-1} - 0.2 x_{t-2}, so the network must remember what it saw.
   The model: h_t = tanh(x_t Wx + h_{t-1} Wh + b), y^_t = h_t Wy + c, run over the
   sequence with scan; the loss is the mean squared error, its gradient comes from
   backpropagation through time (the gradient of scan), and one compiled function does a
   forward pass, a backward pass and the SGD updates. Prints the loss of every epoch and
   exits non-zero unless the last one is below THRESHOLD. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <tgraph/tgraph.h>

#define T 20          /* steps per sequence */
#define B 32          /* sequences per batch */
#define HID 16        /* hidden units */
#define EPOCHS 25
#define BATCHES 10    /* per epoch, each a fresh batch of generated data */
#define LR 0.05
#define THRESHOLD 0.002 /* the target's variance is 0.38: predicting 0 scores 0.38 */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double uniform(void) { /* xorshift64*, in [0, 1) */
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return (double)((rng * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
}

static tg_array *rand_array(int nd, const int64_t *shape, double scale) {
  tg_array *a = tg_array_empty(TG_FLOAT64, nd, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) tg_array_set_f64(a, i, scale * (2 * uniform() - 1));
  return a;
}

/* One batch: inputs (T, B, 1) and targets (T, B, 1). */
static void make_batch(tg_array *x, tg_array *y) {
  double *xs = tg_array_data(x), *ys = tg_array_data(y);
  for (int b = 0; b < B; b++) {
    double p1 = 0, p2 = 0;
    for (int t = 0; t < T; t++) {
      double v = uniform() < 0.5 ? -1 : 1;
      xs[t * B + b] = v;
      ys[t * B + b] = 0.5 * v + 0.3 * p1 - 0.2 * p2;
      p2 = p1;
      p1 = v;
    }
  }
}

/* The step: x_t, h_{t-1}, then the non-sequences Wx, Wh, b. */
static bool step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud;
  r->outputs[0] = tg_tanh(tg_add(tg_add(tg_dot(a[0], a[2]), tg_dot(a[1], a[3])), a[4]));
  return true;
}

#define TRY(x)                                                                              \
  do {                                                                                      \
    if (!(x)) {                                                                             \
      fprintf(stderr, "rnn_scan: %s failed: %s%s\n", #x, tg_graph_error(g), tg_errmsg()); \
      return 1;                                                                             \
    }                                                                                       \
  } while (0)

int main(void) {
  tg_graph *g = tg_graph_new();
  tg_array *init[5] = {rand_array(2, (int64_t[]){1, HID}, 0.5), rand_array(2, (int64_t[]){HID, HID}, 0.3),
                       rand_array(1, (int64_t[]){HID}, 0.0), rand_array(2, (int64_t[]){HID, 1}, 0.5),
                       rand_array(1, (int64_t[]){1}, 0.0)};
  const char *names[5] = {"Wx", "Wh", "b", "Wy", "c"};
  tg_var *p[5];
  for (int i = 0; i < 5; i++) TRY(p[i] = tg_shared(g, names[i], init[i], false));
  tg_var *X = tg_tensor3(g, "X", TG_FLOAT64), *Y = tg_tensor3(g, "Y", TG_FLOAT64);
  tg_var *h0 = tg_zeros_to(g, 2, (int64_t[]){B, HID}, TG_FLOAT64), *H = NULL;

  tg_scan_spec *s = tg_scan_spec_new(g);
  TRY(s);
  tg_scan_sequence(s, X, 0, NULL);
  tg_scan_output(s, h0, 0, NULL);
  for (int i = 0; i < 3; i++) tg_scan_non_sequence(s, p[i]);
  tg_scan_name(s, "rnn");
  TRY(tg_scan(s, step, NULL, &H, NULL) == TG_OK);
  tg_scan_spec_free(s);

  tg_var *pred = tg_add(tg_dot(H, p[3]), p[4]);              /* (T, B, HID) . (HID, 1) */
  tg_var *loss = tg_mean(tg_sqr(tg_sub(pred, Y)), -1, NULL, false);
  tg_var *grads[5];
  TRY(loss && tg_grad(loss, 5, p, grads) == TG_OK);
  tg_options *o = tg_options_new();
  for (int i = 0; i < 5; i++)
    tg_options_update(o, p[i], tg_sub(p[i], tg_mul(tg_const_f64(g, LR), grads[i])));
  tg_options_set(o, "name", "train");
  tg_function *train = tg_function_new(g, TG_VARS(X, Y), TG_VARS(loss), o);
  tg_options_free(o);
  TRY(train);

  int64_t shape[3] = {T, B, 1};
  tg_array *xa = tg_array_empty(TG_FLOAT64, 3, shape), *ya = tg_array_empty(TG_FLOAT64, 3, shape);
  printf("RNN with scan: %d steps per sequence, batch %d, %d hidden units, SGD at %.2f\n", T, B,
         HID, LR);
  printf("task: y_t = 0.5 x_t + 0.3 x_(t-1) - 0.2 x_(t-2), x_t = +-1 (predicting 0 scores 0.38)\n");
  double last = INFINITY;
  for (int e = 1; e <= EPOCHS; e++) {
    double sum = 0;
    for (int k = 0; k < BATCHES; k++) {
      make_batch(xa, ya);
      tg_array *out[1];
      if (tg_function_call(train, (tg_array *[]){xa, ya}, out) != TG_OK) {
        fprintf(stderr, "rnn_scan: %s\n", tg_function_error(train));
        return 1;
      }
      sum += tg_array_get_f64(out[0], 0);
      tg_array_unref(out[0]);
    }
    last = sum / BATCHES;
    printf("  epoch %2d  loss %.5f\n", e, last);
  }
  bool ok = last < THRESHOLD;
  printf("final loss %.5f: %s the threshold %.3f\n", last, ok ? "below" : "NOT below", THRESHOLD);
  tg_function_free(train);
  tg_graph_free(g);
  tg_array_unref(xa);
  tg_array_unref(ya);
  for (int i = 0; i < 5; i++) tg_array_unref(init[i]);
  return ok ? 0 : 1;
}

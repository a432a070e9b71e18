/* nnet.c: the activations of the neural-network family (relu, leaky_relu, elu, gelu), each
   a small graph of Elemwise ops as Theano builds them, so that fusion and the other
   elementwise rewrites see through them; and the family's catalogue rows. Softmax and
   LogSoftmax are in nnet_softmax.c, the losses and one_hot in nnet_loss.c. */
#include <math.h>

#include "op.h"

/* Integer and bool inputs go to floats by the elementwise float rule (what tg_exp does),
   so every activation but relu is a float op whatever it is given. */
static tg_var *to_float(tg_var *x) {
  tg_dtype dt = x->type.dtype;
  if (tg_dtype_is_float(dt)) return x;
  return tg_cast(x, tg_dtype_size(dt) <= 2 ? TG_FLOAT32 : TG_FLOAT64);
}

/* Common start of every builder: one valid input, no pending error. */
static bool start(const char *name, tg_var *x) {
  if (!tgi_check_inputs(name, 1, &x)) return false;
  return x->g->err.status == TG_OK;
}

static bool alpha_ok(const char *name, tg_var *x, double alpha) {
  if (isfinite(alpha)) return true;
  tgi_gfail(x->g, TG_ERR_VALUE, "%s: alpha must be finite, got %g", name, alpha);
  return false;
}

tg_var *tg_relu(tg_var *x) {
  if (!start("relu", x)) return NULL;
  /* a strong 0 of x's own dtype, so maximum keeps that dtype for every input (a weak int
     0 would turn bool into int64) */
  return tg_maximum(x, tg_const_typed(x->g, x->type.dtype, 0));
}

tg_var *tg_leaky_relu(tg_var *x, double alpha) {
  if (!start("leaky_relu", x) || !alpha_ok("leaky_relu", x, alpha)) return NULL;
  tg_graph *g = x->g;
  tg_var *xf = to_float(x);
  /* a select, not Theano's 0.5*(1+a)*x + 0.5*(1-a)*|x|, which rounds twice */
  return tg_switch(tg_gt(xf, tg_const_i64(g, 0)), xf, tg_mul(xf, tg_const_f64(g, alpha)));
}

tg_var *tg_elu(tg_var *x, double alpha) {
  if (!start("elu", x) || !alpha_ok("elu", x, alpha)) return NULL;
  tg_graph *g = x->g;
  tg_var *xf = to_float(x);
  return tg_switch(tg_gt(xf, tg_const_i64(g, 0)), xf,
                   tg_mul(tg_const_f64(g, alpha), tg_expm1(xf)));
}

tg_var *tg_gelu(tg_var *x, bool approximate) {
  if (!start("gelu", x)) return NULL;
  tg_graph *g = x->g;
  tg_var *xf = to_float(x);
  if (!approximate) {
    /* 1 + erf(z) = erfc(-z): no cancellation where erf(z) is near -1 */
    tg_var *z = tg_mul(xf, tg_const_f64(g, -0.70710678118654752440)); /* -x / sqrt(2) */
    return tg_mul(tg_mul(tg_const_f64(g, 0.5), xf), tg_erfc(z));
  }
  /* 0.5 * (1 + tanh(u)) = sigmoid(2u), which is exact where tanh(u) is near -1 */
  tg_var *x2 = tg_mul(xf, xf);
  tg_var *poly = tg_add(tg_const_i64(g, 1), tg_mul(tg_const_f64(g, 0.044715), x2));
  tg_var *two_u = tg_mul(tg_mul(tg_const_f64(g, 1.59576912160573071176), xf), poly); /* 2*sqrt(2/pi) */
  return tg_mul(xf, tg_sigmoid(two_u));
}

/* ---- catalogue ---- */

const tgi_op_info tgi_catalogue_nnet[] = {
    {"relu", "nnet", 1, "all", "yes", "", "maximum(x, 0), an elementwise graph"},
    {"leaky_relu", "nnet", 1, "all -> float", "yes", "",
     "switch(x > 0, x, alpha*x), an elementwise graph"},
    {"elu", "nnet", 1, "all -> float", "yes", "",
     "switch(x > 0, x, alpha*expm1(x)), an elementwise graph"},
    {"gelu", "nnet", 1, "all -> float", "yes", "",
     "x*Phi(x) (erfc form) or its tanh approximation, an elementwise graph"},
    {"softmax", "nnet", 1, "all -> float", "yes", "",
     "Softmax{axis}: exp(x - max) / sum(exp(x - max)) along an axis, stable"},
    {"log_softmax", "nnet", 1, "all -> float", "yes", "",
     "LogSoftmax{axis}: (x - max) - log(sum(exp(x - max))) along an axis, stable"},
    {"categorical_crossentropy", "nnet", 2, "all -> float (labels: int)", "yes (coding_dist)", "",
     "-log(coding[i, label_i]) (CrossentropyCategorical1Hot) or -sum(true*log(coding), -1)"},
    {"binary_crossentropy", "nnet", 2, "all -> float", "yes", "",
     "-(t*log(o) + (1-t)*log1p(-o)), an elementwise graph"},
    {"sigmoid_binary_crossentropy", "nnet", 2, "all -> float", "yes", "",
     "binary cross-entropy from logits: max(x,0) - x*t + log1p(exp(-|x|))"},
    {"one_hot", "nnet", 1, "int -> the dtype asked", "not differentiable", "",
     "OneHot{n_classes}: 1 at [i, labels[i]], 0 elsewhere; labels checked at run time"},
};
const int tgi_catalogue_nnet_n = (int)(sizeof tgi_catalogue_nnet / sizeof tgi_catalogue_nnet[0]);

/* advsubtensor.c: advanced indexing (integer arrays and boolean masks, numpy's rules):
   the AdvancedSubtensor class with its gather kernel, and the AdvancedIncSubtensor class
   (set and inc), whose kernel is shared with IncSubtensor (subtensor_kernel.c). The
   builders that pick these classes are in subtensor.c. */
#include <stdio.h>

#include "index_impl.h"

static tg_status adv_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const char *name = "AdvancedSubtensor";
  const tg_array *x = in[0];
  tgi_ix_plan p;
  tg_status st = tgi_ix_plan_make(op, name, in, x->strides, &p, err);
  if (st != TG_OK) return st;
  tg_array *o = out[0];
  if (o && (o->ndim != p.ndim ||
            (p.ndim && memcmp(o->shape, p.shape, sizeof(int64_t) * (size_t)p.ndim)))) {
    char b1[200], b2[200];
    st = tgi_err_set(err, TG_ERR_SHAPE, "%s: the given output has shape %s, expected %s", name,
                     tgi_shape_str(o->ndim, o->shape, b1, sizeof b1),
                     tgi_shape_str(p.ndim, p.shape, b2, sizeof b2));
  } else if (!o && !(o = tgi_array_alloc(x->dtype, p.ndim, p.shape, true, false))) {
    st = tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
  }
  if (st == TG_OK && o->size > 0) {
    size_t isz = tg_dtype_size(x->dtype);
    int64_t idx[TG_MAX_NDIM] = {0};
    do {
      int64_t ooff = 0;
      for (int d = 0; d < p.ndim; d++) ooff += idx[d] * o->strides[d];
      memcpy(o->data + ooff, x->data + tgi_ix_offset(&p, idx), isz);
    } while (tgi_next_index(p.ndim, p.shape, idx));
  }
  tgi_ix_plan_free(&p);
  if (st != TG_OK) return st;
  out[0] = o;
  return TG_OK;
}

static void adv_describe(const tg_op *op, char *buf, size_t n) {
  tgi_ix_describe(op, "AdvancedSubtensor", buf, n);
}

static void adv_inc_describe(const tg_op *op, char *buf, size_t n) {
  tgi_ix_describe(op, op->code == TGI_IX_SET ? "AdvancedSetSubtensor" : "AdvancedIncSubtensor",
                  buf, n);
}

static bool adv_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                            tg_var **const *out_dims) {
  return tgi_ix_region_dims(g, nd, in_dims, out_dims[0]);
}

const tg_op_class tgi_adv_subtensor_class = {
    .name = "AdvancedSubtensor",
    .infer = tgi_ix_sub_infer,
    .perform = adv_perform,
    .describe = adv_describe,
    .infer_shape = adv_infer_shape,
    .grad = tgi_subtensor_grad,
};

const tg_op_class tgi_adv_inc_subtensor_class = {
    .name = "AdvancedIncSubtensor",
    .infer = tgi_ix_inc_infer,
    .perform = tgi_ix_inc_perform,
    .describe = adv_inc_describe,
    .infer_shape = tgi_ix_inc_infer_shape,
    .grad = tgi_inc_subtensor_grad,
};

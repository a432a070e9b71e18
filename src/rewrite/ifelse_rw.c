/* ifelse_rw.c: rewrites of the lazy IfElse: a constant condition picks its branch at
   compile time (the other branch's work disappears with it), and a value both branches
   share needs no choice. */
#include "rewrite.h"
#include "../ops/ifelse_impl.h"

static bool local_ifelse_constant_condition(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  tg_var *c = nd->in[0];
  if (c->kind != TGV_CONSTANT || !c->value) return false;
  int n = (int)nd->op->params[0], off = tgi_ifelse_truth(c->value) ? 1 : 1 + n;
  for (int o = 0; o < n; o++) repl[o] = nd->in[off + o];
  return true;
}

static bool local_ifelse_same_branches(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int n = (int)nd->op->params[0];
  bool any = false;
  for (int o = 0; o < n; o++)
    if (nd->in[1 + o] == nd->in[1 + n + o]) repl[o] = nd->in[1 + o], any = true;
  return any;
}

const tgi_rewrite tgi_rewrites_ifelse[] = {
    {"local_ifelse_constant_condition", "fast_run canonicalize ifelse", TGI_PH_CANONICALIZE,
     "IfElse", local_ifelse_constant_condition, NULL,
     "ifelse(constant c, a, b) -> a or b at compile time"},
    {"local_ifelse_same_branches", "fast_run canonicalize ifelse", TGI_PH_CANONICALIZE, "IfElse",
     local_ifelse_same_branches, NULL, "ifelse(c, a, a) -> a"},
};
const int tgi_rewrites_ifelse_n = (int)(sizeof tgi_rewrites_ifelse / sizeof tgi_rewrites_ifelse[0]);

/* registry.c: the list of rewrite families and the selection of rewrites by mode, name and
   tag (FAST_RUN, FAST_COMPILE, optimizer_including/excluding). */
#include <stdio.h>

#include "rewrite.h"

/* Each family's table and its length. */
static const struct {
  const tgi_rewrite *rows;
  const int *n;
} tables[] = {
    {tgi_rewrites_basic, &tgi_rewrites_basic_n},
    {tgi_rewrites_stabilize, &tgi_rewrites_stabilize_n},
    {tgi_rewrites_stabilize_grad, &tgi_rewrites_stabilize_grad_n},
    {tgi_rewrites_specialize, &tgi_rewrites_specialize_n},
    {tgi_rewrites_gemm, &tgi_rewrites_gemm_n},
    {tgi_rewrites_canon_arith, &tgi_rewrites_canon_arith_n},
    {tgi_rewrites_canon_chain, &tgi_rewrites_canon_chain_n},
    {tgi_rewrites_canon_shape, &tgi_rewrites_canon_shape_n},
    {tgi_rewrites_canon_alloc, &tgi_rewrites_canon_alloc_n},
    {tgi_rewrites_canon_subtensor, &tgi_rewrites_canon_subtensor_n},
    {tgi_rewrites_scan, &tgi_rewrites_scan_n},
    {tgi_rewrites_ifelse, &tgi_rewrites_ifelse_n},
    {tgi_rewrites_fusion, &tgi_rewrites_fusion_n},
};
#define NTABLES ((int)(sizeof tables / sizeof tables[0]))

int tgi_rewrite_count(void) {
  int n = 0;
  for (int t = 0; t < NTABLES; t++) n += *tables[t].n;
  return n;
}

const tgi_rewrite *tgi_rewrite_get(int i) {
  for (int t = 0; t < NTABLES && i >= 0; t++) {
    if (i < *tables[t].n) return &tables[t].rows[i];
    i -= *tables[t].n;
  }
  return NULL;
}

int tgi_rewrite_find(const char *name) {
  for (int i = 0, n = tgi_rewrite_count(); i < n; i++)
    if (strcmp(tgi_rewrite_get(i)->name, name) == 0) return i;
  return -1;
}

/* True when the space-separated list tags holds the n bytes at w. */
static bool has_tag(const char *tags, const char *w, size_t n) {
  for (const char *p = tags; *p;) {
    while (*p == ' ') p++;
    size_t k = strcspn(p, " ");
    if (k == n && strncmp(p, w, n) == 0) return true;
    p += k;
  }
  return false;
}

/* Set on[i] = val for every rewrite named or tagged by an item of the ':'-separated list;
   false for an item matching nothing. */
static bool apply_list(const char *list, uint8_t *on, uint8_t val, const char *what,
                       tgi_err *err) {
  int n = tgi_rewrite_count();
  for (const char *p = list ? list : ""; *p;) {
    size_t k = strcspn(p, ":");
    bool hit = false;
    for (int i = 0; k && i < n; i++) {
      const tgi_rewrite *r = tgi_rewrite_get(i);
      if ((strlen(r->name) == k && strncmp(r->name, p, k) == 0) || has_tag(r->tags, p, k)) {
        on[i] = val;
        hit = true;
      }
    }
    if (k && !hit) {
      tgi_err_set(err, TG_ERR_ARG, "%s: no rewrite or tag is called '%.*s' (see `tgraph "
                  "rewrites`)", what, (int)k, p);
      return false;
    }
    p += k + (p[k] == ':');
  }
  return true;
}

bool tgi_rewrite_select(const char *mode, const char *including, const char *excluding,
                        uint8_t *on, tgi_err *err) {
  const char *tag;
  if (!mode || strcmp(mode, "FAST_RUN") == 0) {
    tag = "fast_run";
  } else if (strcmp(mode, "FAST_COMPILE") == 0) {
    tag = "fast_compile";
  } else {
    tgi_err_set(err, TG_ERR_ARG, "mode '%.40s' is not known (expected FAST_RUN or "
                "FAST_COMPILE)", mode);
    return false;
  }
  for (int i = 0, n = tgi_rewrite_count(); i < n; i++)
    on[i] = has_tag(tgi_rewrite_get(i)->tags, tag, strlen(tag));
  return apply_list(including, on, 1, "optimizer_including", err) &&
         apply_list(excluding, on, 0, "optimizer_excluding", err);
}

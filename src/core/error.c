/* error.c: sticky error records and the thread-local error behind tg_errmsg(). */
#include <stdio.h>

#include "core.h"

tg_status tgi_err_vset(tgi_err *e, tg_status st, const char *fmt, va_list ap) {
  if (e->status != TG_OK) return st;
  e->status = st;
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  return st;
}

tg_status tgi_err_set(tgi_err *e, tg_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tgi_err_vset(e, st, fmt, ap);
  va_end(ap);
  return st;
}

static _Thread_local tgi_err tls_err;

tgi_err *tgi_tls_err(void) { return &tls_err; }

tg_status tgi_fail(tg_status st, const char *fmt, ...) {
  va_list ap;
  tls_err.status = TG_OK;
  va_start(ap, fmt);
  tgi_err_vset(&tls_err, st, fmt, ap);
  va_end(ap);
  return st;
}

const char *tg_errmsg(void) { return tls_err.status == TG_OK ? "" : tls_err.msg; }
tg_status tg_errstatus(void) { return tls_err.status; }

const char *tg_status_name(tg_status st) {
  switch (st) {
    case TG_OK: return "TG_OK";
    case TG_ERR_NOMEM: return "TG_ERR_NOMEM";
    case TG_ERR_ARG: return "TG_ERR_ARG";
    case TG_ERR_TYPE: return "TG_ERR_TYPE";
    case TG_ERR_SHAPE: return "TG_ERR_SHAPE";
    case TG_ERR_VALUE: return "TG_ERR_VALUE";
    case TG_ERR_NOTIMPL: return "TG_ERR_NOTIMPL";
    case TG_ERR_IO: return "TG_ERR_IO";
    case TG_ERR_RUNTIME: return "TG_ERR_RUNTIME";
  }
  return "TG_ERR_?";
}

const char *tg_version(void) { return TG_VERSION_STRING; }

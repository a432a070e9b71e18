/* dtype.c: the dtype table, numpy's promotion rules, and element conversions. */
#include <math.h>

#include "core.h"

static const struct {
  const char *name;
  size_t size;
} dtypes[TG_NDTYPES] = {
    [TG_BOOL] = {"bool", 1},     [TG_INT8] = {"int8", 1},       [TG_INT16] = {"int16", 2},
    [TG_INT32] = {"int32", 4},   [TG_INT64] = {"int64", 8},     [TG_UINT8] = {"uint8", 1},
    [TG_FLOAT32] = {"float32", 4}, [TG_FLOAT64] = {"float64", 8},
};

static bool valid(tg_dtype dt) { return (unsigned)dt < TG_NDTYPES; }

const char *tg_dtype_name(tg_dtype dt) {
  if (dt == TG_FLOATX) return "floatX";
  return valid(dt) ? dtypes[dt].name : "?";
}

size_t tg_dtype_size(tg_dtype dt) { return valid(dt) ? dtypes[dt].size : 0; }

bool tg_dtype_from_name(const char *name, tg_dtype *out) {
  if (!name) return false;
  for (int i = 0; i < TG_NDTYPES; i++)
    if (strcmp(name, dtypes[i].name) == 0) {
      *out = (tg_dtype)i;
      return true;
    }
  if (strcmp(name, "floatX") == 0) {
    *out = TG_FLOATX;
    return true;
  }
  return false;
}

bool tg_dtype_is_float(tg_dtype dt) { return dt == TG_FLOAT32 || dt == TG_FLOAT64; }
bool tg_dtype_is_int(tg_dtype dt) { return dt >= TG_INT8 && dt <= TG_UINT8; }

tg_dtype tg_dtype_promote(tg_dtype a, tg_dtype b) {
  if (!valid(a) || !valid(b)) return TG_NDTYPES;
  if (a == b) return a;
  if (a == TG_BOOL) return b;
  if (b == TG_BOOL) return a;
  if (tg_dtype_is_float(a) || tg_dtype_is_float(b)) {
    if (a == TG_FLOAT64 || b == TG_FLOAT64) return TG_FLOAT64;
    tg_dtype other = a == TG_FLOAT32 ? b : a; /* an integer meeting float32 */
    return tg_dtype_size(other) <= 2 ? TG_FLOAT32 : TG_FLOAT64;
  }
  /* two distinct integers */
  if (a == TG_UINT8 || b == TG_UINT8) {
    tg_dtype s = a == TG_UINT8 ? b : a; /* the signed one */
    return s == TG_INT8 ? TG_INT16 : s;
  }
  return tg_dtype_size(a) >= tg_dtype_size(b) ? a : b;
}

int64_t tgi_f64_to_i64(double v) {
  if (isnan(v)) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)v;
}

double tgi_load_f64(const void *p, tg_dtype dt) {
  switch (dt) {
    case TG_BOOL: return *(const uint8_t *)p != 0;
    case TG_INT8: return *(const int8_t *)p;
    case TG_INT16: return *(const int16_t *)p;
    case TG_INT32: return *(const int32_t *)p;
    case TG_INT64: return (double)*(const int64_t *)p;
    case TG_UINT8: return *(const uint8_t *)p;
    case TG_FLOAT32: return *(const float *)p;
    case TG_FLOAT64: return *(const double *)p;
    default: return 0;
  }
}

int64_t tgi_load_i64(const void *p, tg_dtype dt) {
  switch (dt) {
    case TG_BOOL: return *(const uint8_t *)p != 0;
    case TG_INT8: return *(const int8_t *)p;
    case TG_INT16: return *(const int16_t *)p;
    case TG_INT32: return *(const int32_t *)p;
    case TG_INT64: return *(const int64_t *)p;
    case TG_UINT8: return *(const uint8_t *)p;
    case TG_FLOAT32: return tgi_f64_to_i64(*(const float *)p);
    case TG_FLOAT64: return tgi_f64_to_i64(*(const double *)p);
    default: return 0;
  }
}

/* Integer stores wrap modulo 2^width, as numpy's astype does for in-range int64 values;
   going through uint64 keeps the narrowing defined. */
void tgi_store_i64(void *p, tg_dtype dt, int64_t v) {
  uint64_t u = (uint64_t)v;
  switch (dt) {
    case TG_BOOL: *(uint8_t *)p = v != 0; break;
    case TG_INT8: *(int8_t *)p = (int8_t)(uint8_t)u; break;
    case TG_INT16: *(int16_t *)p = (int16_t)(uint16_t)u; break;
    case TG_INT32: *(int32_t *)p = (int32_t)(uint32_t)u; break;
    case TG_INT64: *(int64_t *)p = v; break;
    case TG_UINT8: *(uint8_t *)p = (uint8_t)u; break;
    case TG_FLOAT32: *(float *)p = (float)v; break;
    case TG_FLOAT64: *(double *)p = (double)v; break;
    default: break;
  }
}

void tgi_store_f64(void *p, tg_dtype dt, double v) {
  switch (dt) {
    case TG_BOOL: *(uint8_t *)p = v != 0; break;
    case TG_FLOAT32: *(float *)p = (float)v; break;
    case TG_FLOAT64: *(double *)p = v; break;
    default: tgi_store_i64(p, dt, tgi_f64_to_i64(v)); break;
  }
}

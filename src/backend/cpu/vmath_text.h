/* vmath_text.h: the text of tg_vmath.h as a C string, for kernels that the native backend
   generates and compiles (they paste it in instead of #including a file that an installed
   library could not find). The definition is generated at build time from the header by
   cmake/embed_text.cmake, so the two never drift apart. */
#ifndef TG_VMATH_TEXT_H
#define TG_VMATH_TEXT_H

/* The whole of src/backend/cpu/tg_vmath.h, NUL-terminated. */
extern const char tgi_vmath_src[];

#endif

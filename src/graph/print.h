/* print.h: helpers shared by the graph printers: print.c (debugprint and the one-line
   pretty printer) and dot.c (Graphviz DOT). Never installed. */
#ifndef TG_PRINT_H
#define TG_PRINT_H

#include <stdio.h>

#include "graph_impl.h"

/* Room for one label: an op description, a leaf's text or a type. */
#define TGI_LABEL_MAX 256

/* The value of a constant in short form: "2.0", "3", "True" for 0-d, "[1.0, 2.0]" for a
   small vector, "shape (2, 3)" otherwise. */
void tgi_const_str(const tg_var *v, char *buf, size_t n);
/* How a variable without an owner is shown: its name, "<float64 matrix>" for an unnamed
   input, "TensorConstant{2.0}" for an unnamed constant. */
void tgi_leaf_str(const tg_var *v, char *buf, size_t n);
/* The op's display name from its class ("Elemwise{add}"), or the class name when the
   class has no describe. */
void tgi_op_describe(const tg_op *op, char *buf, size_t n);
/* Display name of the Apply node computing v: "Elemwise{add}", with ".1" appended when the
   node has several outputs. */
void tgi_op_str(const tg_var *v, char *buf, size_t n);
/* Check the outputs handed to a printer: n >= 1, none NULL, all in one graph, fp given.
   Sets the thread-local error naming fn and returns TG_ERR_ARG when they are not. */
tg_status tgi_print_check(const char *fn, int n, tg_var *const *outputs, FILE *fp);
/* End a print to fp: flush it and report TG_ERR_IO (thread-local error naming fn) if a
   write failed (failed set by the caller) or the stream is in error. */
tg_status tgi_print_finish(const char *fn, FILE *fp, bool failed);

#endif

/* cli.h: what the files of the `tgraph` program share. A command is a function given
   argc/argv starting at its own name ("ops", "--markdown") that returns the exit status. */
#ifndef TG_CLI_H
#define TG_CLI_H

/* Exit statuses of the program. */
enum { TGI_CLI_OK = 0, TGI_CLI_FAIL = 1, TGI_CLI_USAGE = 2 };

/* `tgraph ops [--markdown] [--family F]`: the op catalogue (cmd_ops.c). */
int tgi_cli_ops(int argc, char **argv);

/* `tgraph rewrites [--markdown] [--phase P]`: the registered rewrites (cmd_rewrites.c). */
int tgi_cli_rewrites(int argc, char **argv);

/* `tgraph cache info|clear|prune`: the native backend's disk cache (cmd_cache.c). */
int tgi_cli_cache(int argc, char **argv);

/* Print "tgraph: " and a message to stderr, for errors and warnings. */
void tgi_cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage error: the message, then the usage, on stderr; returns TGI_CLI_USAGE. */
int tgi_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Flush stdout and report a failed write (a full disk, a closed pipe) as TGI_CLI_FAIL. */
int tgi_cli_finish(int status);

#endif

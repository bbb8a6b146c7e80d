/* Command-line parsing for every alcnbench subcommand (libalcn_host; not part
 * of the plugin SDK). One table per command:
 *
 *   static const alcn_argspec SPECS[] = {
 *     {"epochs", "N", "training epochs (default 3)", OPT_EPOCHS, 0},
 *     {"quiet", NULL, "no progress lines", OPT_QUIET, 'q'},
 *     {NULL, NULL, NULL, 0, 0}};
 *   alcn_args a;
 *   alcn_args_init(&a, "alcnbench table5", SPECS, argc, argv, 1);
 *   for (int id; (id = alcn_args_next(&a)) != ALCN_ARGS_END;) switch (id) { ... }
 *
 * It accepts --name VALUE, --name=VALUE and -x VALUE; --help / -h anywhere;
 * "--" ends the flags. An unknown flag is refused with the closest known one
 * ("unknown option '--epoch' (did you mean --epochs?)"). Every error is one
 * line, recorded as ALCN_ERR_ARG (a usage mistake: exit code 2). */
#ifndef ALCN_ARGS_H
#define ALCN_ARGS_H

#include <stddef.h>
#include <stdio.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Exit codes of every alcnbench program. */
#define ALCN_EXIT_OK 0
#define ALCN_EXIT_FAIL 1  /* data, I/O, device, a failed cell */
#define ALCN_EXIT_USAGE 2 /* a usage mistake: unknown flag, bad value, missing argument */

typedef struct alcn_argspec {
  const char *name;    /* long name without the dashes ("epochs"); NULL ends the table */
  const char *metavar; /* the value's name in --help ("N"); NULL: a switch without a value */
  const char *doc;     /* one line for --help; NULL: an alias, not listed */
  int id;              /* what alcn_args_next returns for this flag (>= 0) */
  char short_name;     /* 'o' for -o; 0: none */
} alcn_argspec;

enum {
  ALCN_ARGS_END = -1,        /* no more arguments */
  ALCN_ARGS_POSITIONAL = -2, /* a word that is not a flag: in a->value */
  ALCN_ARGS_HELP = -3,       /* --help or -h */
  ALCN_ARGS_ERROR = -4       /* unknown flag or missing value: alcn_last_error() says which */
};

typedef struct alcn_args {
  const char *prog;          /* "alcnbench table5", for messages */
  const alcn_argspec *specs;
  int argc, i;
  char **argv;
  int only_positionals;      /* after "--" */
  const alcn_argspec *spec;  /* the flag just returned */
  const char *value;         /* its value (NULL for a switch), or the positional word */
  char flag[80];             /* the flag as named in messages: "--epochs" */
} alcn_args;

void alcn_args_init(alcn_args *a, const char *prog, const alcn_argspec *specs, int argc, char **argv, int first);
/* The next flag's id, or one of ALCN_ARGS_*. */
int alcn_args_next(alcn_args *a);

/* The current value as a number in [lo, hi] (ALCN_ERR_ARG naming the flag otherwise). */
alcn_status alcn_args_long(const alcn_args *a, long lo, long hi, long *out);
alcn_status alcn_args_double(const alcn_args *a, double lo, double hi, double *out);
/* The current value, one of the '|'-separated choices ("mse|ffl"). */
alcn_status alcn_args_choice(const alcn_args *a, const char *choices);

/* The candidate closest to word (edit distance at most max(2, len/3)), or
 * NULL. For flags, keys and names alike. */
const char *alcn_args_suggest(const char *word, const char *const *cands, int n);
/* The same over a flag table (names without dashes). */
const char *alcn_args_suggest_spec(const char *word, const alcn_argspec *specs);

/* "usage: <usage>" then one line per documented flag, then footer (may be NULL). */
void alcn_args_help(FILE *f, const char *usage, const alcn_argspec *specs, const char *footer);

/* Take every --verbose out of argv (argc updated) and remember it; returns 1 when one was there.
 * ALCN_VERBOSE=1 in the environment does the same. */
int alcn_args_take_verbose(int *argc, char **argv);
int alcn_args_verbose(void);
/* The exit code for a status: 2 for a usage mistake (ALCN_ERR_ARG, ALCN_ERR_NOT_FOUND), else 1. */
int alcn_exit_code(alcn_status s);
/* The last error as the user should see it, into buf: without the internal
 * "file.c:NN: " prefix and "  from ..." call frames unless verbose. */
const char *alcn_error_for_user(char *buf, size_t cap);
/* "PROG: error: MESSAGE\n" on stderr (alcn_error_for_user); returns alcn_exit_code(alcn_last_status()). */
int alcn_args_fail(const char *prog);

#ifdef __cplusplus
}
#endif
#endif

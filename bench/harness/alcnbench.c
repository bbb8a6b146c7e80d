/* alcnbench: the benchmark harness program. Subcommands:
 *   list    method and noise plugins (id, label, summary, file, options with their
 *           defaults, ranges and docs) and refused plugins
 *   plan    the cells of a plan (same flags as run), with their state in --out
 *   run     train and score every cell of the plan (or of one --shard), one record each
 *   report  the report generator (reports/), on one or more results folders
 *   compare two results folders cell by cell, with a paired Wilcoxon test (reports/src/compare_main.c)
 *   data    data set tools (bench/harness/cmd_data.c)
 *   table5  Table 5 timing (bench/harness/table5.c)
 * Flags: alcn/args.h (one parser, --help on every command, "did you mean",
 * --verbose anywhere for internal call frames in messages).
 * Exit codes: 0 success, 1 a cell failed or a data/IO error, 2 usage error, 130 interrupted. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alcn/args.h"
#include "alcn/cpu_tune.h"
#include "alcn/version.h"
#include "alcn/options.h"
#include "bench.h"

#include "alcn/report.h"

int alcn_cmd_data(int argc, char **argv);
int alcn_cmd_table5(int argc, char **argv);

static void usage(FILE *f) {
  fprintf(f,
          "usage: alcnbench COMMAND [flags]\n"
          "  list   [--plugin-path DIR]...   plugins found (and refused)\n"
          "  plan   [run flags]              the cells of a plan and their state in --out\n"
          "  run    [flags]                  run a plan (see alcnbench run --help)\n"
          "  report RESULTS_DIR... -o OUT_DIR   tables, figures and results.csv from the records\n"
          "  compare A B [--metric M]        per-cell and average differences, paired Wilcoxon test\n"
          "  data   ...                      data set tools\n"
          "  table5 ...                      Table 5: parameters, timing, memory\n"
          "  --version\n"
          "  --verbose                       (any command) error messages with internal call frames\n"
          "COMMAND --help shows the flags of each.\n");
}

static int usage_status(alcn_status s) { return alcn_exit_code(s); }

static void print_error(void) { (void)alcn_args_fail("alcnbench"); }

static void on_signal(int sig) {
  (void)sig;
  ab_interrupted = 1;
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static alcn_status load_registry(alcn_registry *reg, const ab_config *c, int quiet) {
  const char *dirs[64];
  int n = 0;
  for (int i = 0; i < c->plugin_paths.n && n < 64; ++i) dirs[n++] = c->plugin_paths.v[i];
  return alcn_registry_load(reg, dirs, n, quiet);
}

/* ------------------------------------------------------------------ list */
/* One line per option: name=default, the valid range or choices, the doc. */
static void print_options(const alcn_option *t) {
  if (!t || !t->name) {
    printf("  %-12s options: none\n", "");
    return;
  }
  printf("  %-12s options:\n", "");
  for (const alcn_option *e = t; e->name; ++e) {
    char range[128];
    if (e->type == ALCN_OPT_ENUM)
      snprintf(range, sizeof range, "%s", e->choices);
    else
      snprintf(range, sizeof range, "%s%s%g..%g%s", e->type == ALCN_OPT_INT ? "integer " : "",
               (e->flags & ALCN_OPT_MIN_OPEN) ? "(" : "[", e->min, e->max, (e->flags & ALCN_OPT_MAX_OPEN) ? ")" : "]");
    printf("  %-14s %s=%s  %s  %s\n", "", e->name, e->def, range, e->doc ? e->doc : "");
  }
}

static const alcn_argspec LIST_FLAGS[] = {
    {"plugin-path", "DIR", "another folder of plugin .so files (repeatable)", 0, 0}, {NULL, NULL, NULL, 0, 0}};

static int cmd_list(int argc, char **argv) {
  ab_config c;
  ab_config_init(&c);
  alcn_args a;
  alcn_args_init(&a, "alcnbench list", LIST_FLAGS, argc, argv, 2);
  for (int id; (id = alcn_args_next(&a)) != ALCN_ARGS_END;) {
    if (id == ALCN_ARGS_HELP) {
      alcn_args_help(stdout, "alcnbench list [--plugin-path DIR]...", LIST_FLAGS,
                     "Methods and noises found (id, label, summary, file, options), refused plugins, folders searched.\n");
      ab_config_free(&c);
      return ALCN_EXIT_OK;
    }
    if (id == ALCN_ARGS_POSITIONAL)
      alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "unexpected argument '%s' (hint: alcnbench list --help)",
                    a.value);
    if (id < 0) {
      ab_config_free(&c);
      return alcn_args_fail("alcnbench list");
    }
    const char *v = a.value;
    struct stat st;
    if (stat(v, &st) != 0 || !S_ISDIR(st.st_mode)) {
      fprintf(stderr, "alcnbench list: --plugin-path %s: not a folder (hint: give the folder that holds the plugin "
              ".so files)\n", v);
      ab_config_free(&c);
      return ALCN_EXIT_USAGE;
    }
    char *dup = strdup(v);
    char **g = realloc(c.plugin_paths.v, sizeof(char *) * (size_t)(c.plugin_paths.n + 1));
    if (!dup || !g) return ALCN_EXIT_FAIL;
    c.plugin_paths.v = g;
    c.plugin_paths.v[c.plugin_paths.n++] = dup;
  }
  alcn_registry reg;
  if (load_registry(&reg, &c, 1) != ALCN_OK) {
    print_error();
    ab_config_free(&c);
    return 1;
  }
  printf("methods (%d):\n", reg.n_methods);
  for (int i = 0; i < reg.n_methods; ++i) {
    const alcn_method_desc *d = reg.methods[i].desc;
    printf("  %-12s %s: %s\n", d->id, d->label, d->summary);
    printf("  %-12s file: %s\n", "", reg.methods[i].file);
    print_options(d->options);
    printf("  %-12s hosts a noise: %s; ABI %u.%u\n", "", d->hosts_noise ? "yes (--noise)" : "no (noise none)",
           (unsigned)d->abi_major, (unsigned)d->abi_minor);
  }
  printf("noises (%d):\n", reg.n_noises);
  for (int i = 0; i < reg.n_noises; ++i) {
    const alcn_noise_desc *d = reg.noises[i].desc;
    printf("  %-12s %s: %s\n", d->id, d->label, d->summary);
    printf("  %-12s file: %s\n", "", reg.noises[i].file);
    print_options(d->options);
    printf("  %-12s learns: %s; ABI %u.%u\n", "", d->learn ? "yes" : "no", (unsigned)d->abi_major,
           (unsigned)d->abi_minor);
  }
  printf("refused plugins (%d):\n", reg.n_refused);
  for (int i = 0; i < reg.n_refused; ++i) printf("  %s: %s\n", reg.refused[i].file, reg.refused[i].reason);
  printf("searched:\n");
  for (int i = 0; i < reg.n_dirs; ++i) printf("  %s\n", reg.dirs[i]);
  alcn_registry_free(&reg);
  ab_config_free(&c);
  return 0;
}

/* ------------------------------------------------------------------ report */
static int run_report(const char *out, int quiet) {
  char dst[PATH_MAX];
  snprintf(dst, sizeof dst, "%s/report", out);
  char *args[] = {"report", (char *)out, "-o", dst, quiet ? "--quiet" : NULL, NULL};
  int rc = alcn_report_main(quiet ? 5 : 4, args);
  if (rc != 0) fprintf(stderr, "alcnbench: the report failed (exit %d)\n", rc);
  else if (!quiet) fprintf(stderr, "report: %s/report.md\n", dst);
  return rc;
}

/* ------------------------------------------------------------------ plan / run */
static const char *state_name(ab_rec_state s) {
  switch (s) {
    case AB_REC_DONE: return "done";
    case AB_REC_FAILED: return "failed";
    case AB_REC_CORRUPT: return "corrupt";
    default: return "pending";
  }
}

static int cmd_plan_run(int argc, char **argv, int run) {
  for (int i = 2; i < argc; ++i)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      ab_config_usage(stdout);
      return 0;
    }
  ab_config c;
  ab_config_init(&c);
  alcn_registry reg;
  memset(&reg, 0, sizeof reg);
  ab_plan plan;
  memset(&plan, 0, sizeof plan);
  ab_run_state *st = NULL;
  int rc = 0;
  alcn_status s = ab_config_parse(&c, argc, argv, 2);
  if (s != ALCN_OK) {
    print_error();
    rc = ALCN_EXIT_USAGE;
    goto out;
  }
  if (run && !c.dataset_given && !c.config_file) { /* never a plan nobody asked for */
    fprintf(stderr, "alcnbench run: name a data set (--dataset) or a plan file (--config), e.g.\n"
                    "  alcnbench run --config bench/configs/default.ini\n\n");
    ab_config_usage(stderr);
    rc = ALCN_EXIT_USAGE;
    goto out;
  }
  if ((s = load_registry(&reg, &c, c.quiet)) != ALCN_OK || (s = ab_config_tuned_defaults(&c, &reg)) != ALCN_OK) {
    print_error();
    rc = 1;
    goto out;
  }
  if ((s = ab_plan_build(&plan, &c, &reg)) != ALCN_OK || (s = ab_plan_check_options(&c, &reg)) != ALCN_OK) {
    print_error();
    rc = usage_status(s);
    goto out;
  }
  int in_shard = 0;
  for (int i = 0; i < plan.n; ++i) in_shard += ab_plan_in_shard(&c, &plan.cells[i]);
  if (!run) {
    printf("# %d cells", plan.n);
    if (c.shard_n > 1) printf(", shard %d/%d: %d", c.shard_i, c.shard_n, in_shard);
    printf(" (out %s)\n", c.out);
    for (int i = 0; i < plan.n; ++i) {
      const ab_cell *cell = &plan.cells[i];
      if (!ab_plan_in_shard(&c, cell)) continue;
      printf("%d\t%s\t%s\t%s\n", cell->index, cell->id, cell->class_name,
             state_name(ab_record_state(c.out, cell->id)));
    }
    goto out;
  }
  if ((s = ab_out_prepare(c.out)) != ALCN_OK || (s = ab_run_state_create(&st)) != ALCN_OK) {
    print_error();
    rc = 1;
    goto out;
  }
  { /* a device that cannot start fails the run here, not every cell */
    alcn_backend *probe = NULL;
    if ((s = alcn_backend_create(&probe, c.device, c.threads, 1)) != ALCN_OK) {
      print_error();
      rc = 1;
      goto out;
    }
    alcn_backend_destroy(probe);
  }
  install_signals();
  /* cells of this shard still to run */
  int todo = 0, skipped = 0;
  for (int i = 0; i < plan.n; ++i) {
    if (!ab_plan_in_shard(&c, &plan.cells[i])) continue;
    if (c.resume && ab_record_state(c.out, plan.cells[i].id) == AB_REC_DONE) skipped++;
    else todo++;
  }
  ab_progress pr;
  ab_progress_init(&pr, c.quiet, todo);
  if (!c.quiet)
    fprintf(stderr, "plan: %d cells%s, %d to run, %d already done; results in %s\n", plan.n,
            c.shard_n > 1 ? " (this shard)" : "", todo, skipped, c.out);
  ab_claims claims;
  if ((s = ab_claims_open(&claims, c.out)) != ALCN_OK) {
    print_error();
    rc = 1;
    goto out;
  }
  int k = 0, n_done = 0, n_failed = 0, n_busy = 0;
  for (int i = 0; i < plan.n && !ab_interrupted; ++i) {
    const ab_cell *cell = &plan.cells[i];
    if (!ab_plan_in_shard(&c, cell)) continue;
    if (c.resume && ab_record_state(c.out, cell->id) == AB_REC_DONE) continue;
    char who[300];
    ab_claim_result cr = ab_claims_take(&claims, cell->id, c.resume, who, sizeof who);
    if (cr == AB_CLAIM_DONE) continue; /* another run finished it meanwhile */
    if (cr == AB_CLAIM_BUSY) {
      if (!c.quiet) fprintf(stderr, "[cell] %s: trained by another run (%s), skipped\n", cell->id, who);
      n_busy++;
      continue;
    }
    if (cr == AB_CLAIM_ERROR) {
      print_error();
      rc = 1;
      ab_claims_close(&claims);
      goto out;
    }
    pr.plan_k = ++k;
    int failed = 0;
    s = ab_run_cell(st, &c, &reg, cell, &pr, &failed);
    ab_claims_release(&claims, cell->id);
    if (s == ALCN_ERR_INTERRUPTED) break;
    if (s != ALCN_OK) { /* the record itself could not be written: stop */
      print_error();
      rc = 1;
      ab_claims_close(&claims);
      goto out;
    }
    if (failed) n_failed++;
    else n_done++;
  }
  ab_claims_close(&claims);
  if (n_busy && !c.quiet)
    fprintf(stderr, "run: %d cells were being trained by another run on %s; run again after it ends to report "
            "them\n", n_busy, c.out);
  if (ab_interrupted) {
    fprintf(stderr,
            "alcnbench: interrupted: %d cells finished in this run (%d done, %d failed), %d already done before; "
            "the cell in progress was not recorded. Run the same command again to resume.\n",
            n_done + n_failed, n_done, n_failed, skipped);
    rc = 130;
    goto out;
  }
  if (!c.quiet)
    fprintf(stderr, "run: %d cells done, %d failed, %d skipped (already done); records in %s/records\n", n_done,
            n_failed, skipped, c.out);
  rc = n_failed ? 1 : 0;
  if (!c.no_report && run_report(c.out, c.quiet) != 0) rc = 1;
out:
  ab_run_state_destroy(st);
  ab_plan_free(&plan);
  alcn_registry_free(&reg);
  ab_config_free(&c);
  return rc;
}

int main(int argc, char **argv) {
  alcn_cpu_tune_blas(argv); /* may re-execute once with OPENBLAS_CORETYPE set */
  alcn_args_take_verbose(&argc, argv);
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--version")) {
    printf("alcnbench %s (git %s)\n", alcn_version(), alcn_git_revision());
    return 0;
  }
  if (!strcmp(cmd, "list")) return cmd_list(argc, argv);
  if (!strcmp(cmd, "plan")) return cmd_plan_run(argc, argv, 0);
  if (!strcmp(cmd, "run")) return cmd_plan_run(argc, argv, 1);
  if (!strcmp(cmd, "report") || !strcmp(cmd, "merge")) return alcn_report_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "compare")) return alcn_report_compare_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "data")) return alcn_cmd_data(argc - 1, argv + 1);
  if (!strcmp(cmd, "table5")) return alcn_cmd_table5(argc - 1, argv + 1);
  static const char *const cmds[] = {"list", "plan", "run", "report", "merge", "compare", "data", "table5"};
  const char *near = alcn_args_suggest(cmd, cmds, (int)(sizeof cmds / sizeof *cmds));
  fprintf(stderr, "alcnbench: unknown command '%s'%s%s%s\n", cmd, near ? " (did you mean " : "", near ? near : "",
          near ? "?)" : "");
  usage(stderr);
  return ALCN_EXIT_USAGE;
}

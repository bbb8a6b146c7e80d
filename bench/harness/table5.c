/* `alcnbench table5` (issue 7): the paper's Table 5 on this machine. For one
 * data-set shape and device, per method plugin (and, for methods hosting a
 * noise, per noise plugin), through the plugin interface as a run uses it:
 *   parameters     method and noise apart (param_count), and summed;
 *   train_step     one method->train_step, the step the harness runs (for dae +
 *                  alcn: Algorithm 1's noise ascent + DAE descent), and the
 *                  time of an epoch of --epoch-images images;
 *   infer          method->score of a batch (the paper's inference time);
 *   infer_with_noise  method->score_with_noise (Table 5's "DAE + ALCN" row
 *                  also generates the noise), for noises other than none;
 *   infer at the latency batch (default 1);
 *   images/s, peak host memory (getrusage, each method in its own child
 *   process so that the peaks are its own) and peak device memory
 *   (where the backend tracks it).
 * Each time is the median [min, max] of --iters runs after --warmup runs,
 * taken between two backend timer marks (CUDA events on the GPU, the
 * monotonic clock on the CPU). When the shape is the peer's (Cx28x28),
 * ../shared/peers/torch_alcn.py runs the same cases (same threads, same
 * batches; --deconv native and fast, the faster counts) under each PyTorch
 * that imports (--python: Debian's python3 and the venv of
 * bench/scripts/peer-env.sh by default), eager and, for torch >= 2, with
 * torch.compile; the table shows a column per peer and our speed-up over the
 * fastest (torch_ms); the paper's own
 * Table 5 (reports/reference/table5_complexity.csv) is a third column,
 * "published, GTX 1080 Ti". --rounds R measures ours and the peers R times
 * over (ours first in odd rounds, the peers first in even ones) and gives
 * medians, and each ratio's median and range over the rounds
 * (table5_rounds.c). --json FILE writes the table; --out DIR writes
 * one record per case to DIR/table5/<case-id>.json (alcnbench.table5/1).
 * This file: the command itself; the pieces are listed in table5.h. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/args.h"
#include "alcn/labels.h"
#include "alcn/loader.h"
#include "alcn/plugin.h"
#include "machine_load.h"
#include "table5.h"

#ifndef ALCN_SOURCE_DIR
#define ALCN_SOURCE_DIR "."
#endif

int alcn_cmd_table5(int argc, char **argv);

/* Ours, one item per method (x noise for methods hosting one) into items;
 * returns their count; a failed item sets *rc to 1. first: the first round's
 * items (NULL in the first round): one that failed there is not run again
 * (its error is said once). */
static int measure_items(const t5_opts *o, const alcn_method_desc *const *ms, int nm, const alcn_noise_desc *const *ns,
                         int nn, const t5_item *first, t5_item *items, int *rc, const alcn_method_desc **im,
                         const alcn_noise_desc **inz) {
  int n = 0;
  for (int i = 0; i < nm; ++i) {
    const int k_end = ms[i]->hosts_noise ? nn : 1;
    for (int k = 0; k < k_end; ++k) {
      const alcn_noise_desc *nz = ms[i]->hosts_noise ? ns[k] : NULL;
      t5_item *it = &items[n];
      if (im) im[n] = ms[i]; /* which plugins each item is (--paired measures it again) */
      if (inz) inz[n] = nz;
      if (first && !first[n].ok) {
        *it = first[n++];
        continue;
      }
      n++;
      memset(it, 0, sizeof *it);
      snprintf(it->method, sizeof it->method, "%s", ms[i]->id);
      snprintf(it->noise, sizeof it->noise, "%s", nz ? nz->id : "none");
      snprintf(it->method_label, sizeof it->method_label, "%s", ms[i]->label ? ms[i]->label : ms[i]->id);
      snprintf(it->noise_label, sizeof it->noise_label, "%s", nz && nz->label ? nz->label : "");
      alcn_label_compose(it->label, sizeof it->label, it->method_label, it->noise, it->noise_label);
      if (!o->quiet)
        fprintf(stderr, "table5: %s %s + %s ...\n", o->only_case == -2 ? "preparing" : "measuring", it->method,
                it->noise);
      t5_measure(o, ms[i], nz, it);
      if (!it->ok) {
        fprintf(stderr, "table5: %s + %s failed: %s\n", it->method, it->noise, it->error);
        *rc = 1;
      }
    }
  }
  return n;
}

/* The published figures beside an item: its parameters, and the paper's
 * inference time at the paper's batch (for DAE+ALCN: with the noise). */
static void annotate_published(t5_item *it, const t5_paper_row *paper, int npaper, const char *dataset_col) {
  const t5_paper_row *pr = t5_paper_for(paper, npaper, it->label);
  it->published_params_m = pr ? pr->params_m : NAN;
  for (int j = 0; j < it->n; ++j) {
    t5_case *c = &it->c[j];
    c->published_ms = NAN;
    if (!pr || !dataset_col || c->batch != T5_PAPER_BATCH) continue; /* comparable at the paper's batch only */
    const int want_noise = !strcmp(it->noise, "alcn");
    const int is = want_noise ? !strcmp(c->kase, "infer_with_noise") : !strcmp(c->kase, "infer");
    if (is) c->published_ms = dataset_col[0] == 'M' ? pr->ms_mnist : pr->ms_cifar;
  }
}

int alcn_cmd_table5(int argc, char **argv) {
  t5_opts o;
  int help = 0;
  if (t5_parse_opts(&o, argc, argv, &help) != ALCN_OK) return alcn_args_fail("alcnbench table5");
  if (help) {
    t5_usage(stdout);
    return 0;
  }
  alcn_registry reg;
  const char *extra[1] = {o.plugin_path};
  if (alcn_registry_load(&reg, extra, o.plugin_path ? 1 : 0, o.quiet) != ALCN_OK)
    return alcn_args_fail("alcnbench table5");
  int rc = 0;
  char ids[1024];
  /* the methods and noises */
  const alcn_method_desc *ms[T5_MAX_ITEMS];
  int nm = 0;
  if (o.n_methods) {
    for (int i = 0; i < o.n_methods; ++i) {
      if (!(ms[nm] = alcn_registry_method(&reg, o.methods[i], NULL))) {
        fprintf(stderr, "alcnbench table5: no method '%s' (loaded: %s)\n", o.methods[i],
                alcn_registry_method_ids(&reg, ids, sizeof ids));
        alcn_registry_free(&reg);
        return 2;
      }
      nm++;
    }
  } else {
    for (int i = 0; i < reg.n_methods && nm < T5_MAX_ITEMS; ++i) ms[nm++] = reg.methods[i].desc;
  }
  const alcn_noise_desc *ns[T5_MAX_ITEMS];
  int nn = 0;
  if (o.n_noises) {
    for (int i = 0; i < o.n_noises; ++i) {
      if (!(ns[nn] = alcn_registry_noise(&reg, o.noises[i], NULL))) {
        fprintf(stderr, "alcnbench table5: no noise '%s' (loaded: %s)\n", o.noises[i],
                alcn_registry_noise_ids(&reg, ids, sizeof ids));
        alcn_registry_free(&reg);
        return 2;
      }
      nn++;
    }
  } else {
    for (int i = 0; i < reg.n_noises && nn < T5_MAX_ITEMS; ++i) ns[nn++] = reg.noises[i].desc;
  }
  if (!nm) {
    fprintf(stderr, "alcnbench table5: no method plugins found (hint: --plugin-path, or build the plugins)\n");
    alcn_registry_free(&reg);
    return 1;
  }
  /* the published figures */
  t5_paper_row paper[16];
  char csv[1200];
  if (o.paper_csv) snprintf(csv, sizeof csv, "%s", o.paper_csv);
  else snprintf(csv, sizeof csv, "%s/reports/reference/table5_complexity.csv", ALCN_SOURCE_DIR);
  const int npaper = t5_load_paper(csv, paper, 16);
  const char *dataset_col = (o.C == 1 && o.H == 28 && o.W == 28) ? "MNIST"
                            : (o.C == 3 && o.H == 32 && o.W == 32) ? "CIFAR-10"
                                                                   : NULL;
  if (!npaper && !o.quiet) fprintf(stderr, "table5: no published Table 5 at %s (column left empty)\n", csv);

  const size_t cap = (size_t)nm * (nn + 1);
  t5_item *items = calloc(cap, sizeof *items), *rounds = calloc(cap * (size_t)o.rounds, sizeof *rounds);
  if (!items || !rounds) {
    free(items);
    free(rounds);
    alcn_registry_free(&reg);
    fprintf(stderr, "alcnbench table5: out of memory\n");
    return 1;
  }
  int n = 0;
  t5_peers peers = {0};
  bt_load load; /* is the machine otherwise idle? from here to the last peer */
  bt_load_begin(&load);
  /* Rounds alternate the order: ours then the peers in rounds 1, 3, 5, ...,
   * the peers then ours in rounds 2, 4, ... On a machine whose speed drifts
   * over minutes a fixed order would tilt every round's ratio the same way;
   * alternating tilts them both ways, and the median sits between. The peers
   * run the cases of round 1's items (into `ahead`, whose peer times then
   * join ours). */
  const int need_ahead = o.rounds > 1 && !o.paired; /* --paired pairs case by case instead */
  t5_item *ahead = need_ahead ? calloc(cap, sizeof *ahead) : NULL;
  if (need_ahead && !ahead) {
    free(items);
    free(rounds);
    alcn_registry_free(&reg);
    fprintf(stderr, "alcnbench table5: out of memory\n");
    return 1;
  }
  if (o.paired) {
    /* the items and their cases, untimed; then case by case, in turn */
    const alcn_method_desc **im = calloc(cap, sizeof *im);
    const alcn_noise_desc **inz = calloc(cap, sizeof *inz);
    if (!im || !inz) {
      fprintf(stderr, "alcnbench table5: out of memory\n");
      rc = 1;
    } else {
      t5_opts d = o;
      d.only_case = -2;
      n = measure_items(&d, ms, nm, ns, nn, NULL, rounds, &rc, im, inz);
      t5_run_paired(&o, &peers, im, inz, rounds, cap, n, &rc);
    }
    free(im);
    free(inz);
  }
  for (int r = 0; r < o.rounds && !o.paired; ++r) {
    t5_item *ri = rounds + (size_t)r * cap;
    const int peers_first = r % 2;
    if (o.rounds > 1 && !o.quiet)
      fprintf(stderr, "table5: round %d of %d (%s)\n", r + 1, o.rounds,
              peers_first ? "the peers, then ours" : "ours, then the peers");
    if (peers_first) {
      memcpy(ahead, rounds, (size_t)n * sizeof *ahead);
      t5_run_peers(&o, &peers, ahead, n);
    }
    n = measure_items(&o, ms, nm, ns, nn, r ? rounds : NULL, ri, &rc, NULL, NULL);
    if (peers_first)
      t5_take_peers_from(ri, ahead, n);
    else
      t5_run_peers(&o, &peers, ri, n);
  }
  t5_combine_rounds(items, rounds, o.rounds, cap, n, peers.n);
  free(ahead);
  free(rounds);
  for (int i = 0; i < n; ++i) annotate_published(&items[i], paper, npaper, dataset_col);
  o.other_load = bt_load_other(&load);
  o.cpus = bt_load_cpus();
  if (o.other_load > 0.10 && !o.quiet) /* the table's header says it in any case */
    fprintf(stderr,
            "table5: warning: other processes kept %.0f%% of the %d CPUs busy while this ran: the times are not "
            "reliable (run it on an otherwise idle machine)\n",
            100.0 * o.other_load, o.cpus);
  t5_print_table(&o, &peers, items, n, dataset_col);
  if (t5_write_outputs(&o, &peers, items, n) != ALCN_OK) {
    alcn_args_fail("alcnbench table5");
    rc = ALCN_EXIT_FAIL;
  }
  free(items);
  alcn_registry_free(&reg);
  return rc;
}

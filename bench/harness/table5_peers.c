/* `alcnbench table5`: what stands beside our times, the published Table 5
 * (reports/reference/table5_complexity.csv, matched by the descriptors'
 * labels) and the PyTorch peer (torch_peer.h) on the cases it knows. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table5.h"
#include "torch_peer.h"

/* ---- the paper's table */
int t5_load_paper(const char *path, t5_paper_row *rows, int cap) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[512];
  int n = 0, col_p = -1, col_m = -1, col_c = -1, header = 0;
  while (fgets(line, sizeof line, f) && n < cap) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] == '#' || !line[0]) continue;
    char *fields[16];
    int nf = 0;
    for (char *s = line, *t; nf < 16; s = t + 1) {
      fields[nf++] = s;
      if (!(t = strchr(s, ','))) break;
      *t = 0;
    }
    if (!header) {
      for (int k = 0; k < nf; ++k) {
        if (!strcmp(fields[k], "params_m")) col_p = k;
        if (!strcmp(fields[k], "infer_ms_mnist")) col_m = k;
        if (!strcmp(fields[k], "infer_ms_cifar10")) col_c = k;
      }
      header = 1;
      continue;
    }
    t5_paper_row *r = &rows[n++];
    snprintf(r->name, sizeof r->name, "%.31s", fields[0]);
    r->params_m = col_p >= 0 && col_p < nf ? strtod(fields[col_p], NULL) : NAN;
    r->ms_mnist = col_m >= 0 && col_m < nf ? strtod(fields[col_m], NULL) : NAN;
    r->ms_cifar = col_c >= 0 && col_c < nf ? strtod(fields[col_c], NULL) : NAN;
  }
  fclose(f);
  return n;
}

/* The published row whose name is the item's label (the descriptors' labels:
 * "DAE", "DAE+ALCN", "GANomaly"), or NULL. */
const t5_paper_row *t5_paper_for(const t5_paper_row *rows, int n, const char *label) {
  for (int i = 0; i < n; ++i)
    if (!strcmp(rows[i].name, label)) return &rows[i];
  return NULL;
}

/* ------------------------------------------------------- the PyTorch peer */
/* The peer's case for one of ours, or NULL when it has none. */
static const char *peer_case(const t5_item *it, const t5_case *c) {
  const int dae = !strcmp(it->method, "dae");
  if (!dae) return NULL;
  if (!strcmp(c->kase, "train_step")) {
    if (!strcmp(it->noise, "none")) return "dae_train";
    if (!strcmp(it->noise, "alcn")) return "alcn_train";
    return NULL;
  }
  if (!strcmp(c->kase, "infer")) return "infer_dae";
  if (!strcmp(c->kase, "infer_with_noise") && !strcmp(it->noise, "alcn")) return "infer_alcn";
  return NULL;
}

void t5_run_peer(const t5_opts *o, t5_item *items, int n) {
  char why[256];
  if (o->no_torch) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run (--no-torch)\n");
    return;
  }
  if (o->H != 28 || o->W != 28) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run (it has the paper's 28x28 networks only)\n");
    return;
  }
  if (!tp_available(why, sizeof why)) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run: %s\n", why);
    return;
  }
  /* which peer cases and batches are wanted */
  const char *cases[4];
  int nc = 0, batches[2], nb = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < items[i].n; ++j) {
      const char *pc = peer_case(&items[i], &items[i].c[j]);
      if (!items[i].ok || !pc) continue;
      int seen = 0;
      for (int k = 0; k < nc; ++k) seen |= !strcmp(cases[k], pc);
      if (!seen && nc < 4) cases[nc++] = pc;
      seen = 0;
      for (int k = 0; k < nb; ++k) seen |= batches[k] == items[i].c[j].batch;
      if (!seen && nb < 2) batches[nb++] = items[i].c[j].batch;
    }
  if (!nc) return;
  for (int v = 0; v < o->n_deconv; ++v) {
    tp_result tr = {0, NULL};
    const char *losses[] = {o->loss};
    if (!o->quiet) fprintf(stderr, "table5: running the PyTorch peer (--deconv %s)\n", o->deconv[v]);
    if (tp_run(&tr, o->deconv[v], o->C, batches, nb, cases, nc, losses, 1, o->iters, o->warmup, o->threads,
               o->quiet) != ALCN_OK) {
      const char *e = alcn_last_error(); /* its first line: one line per failed variant */
      fprintf(stderr, "table5: warning: PyTorch peer --deconv %s gave no times (its column left empty): %.*s\n",
              o->deconv[v], (int)strcspn(e, "\n"), e);
      continue;
    }
    const int fast = !strcmp(o->deconv[v], "fast");
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < items[i].n; ++j) {
        t5_case *c = &items[i].c[j];
        const char *pc = peer_case(&items[i], c);
        if (!pc) continue;
        const int train = !strcmp(c->kase, "train_step");
        double t = tp_find(&tr, pc, train ? o->loss : "-", o->C, c->batch, NULL, NULL) * 1e3;
        if (isnan(t)) continue;
        if (fast) c->torch_fast_ms = t;
        else c->torch_native_ms = t;
        if (isnan(c->torch_ms) || t < c->torch_ms) c->torch_ms = t;
      }
    tp_result_free(&tr);
  }
}

/* `alcnbench table5`: what stands beside our times, the published Table 5
 * (reports/reference/table5_complexity.csv, matched by the descriptors'
 * labels) and the PyTorch peers (torch_peer.h) on the cases they know: each
 * interpreter whose torch imports, eager and (torch >= 2) compiled, each with
 * the faster of its --deconv variants; the fastest peer of a case is the one
 * our speed-up is taken against. */
#define _DEFAULT_SOURCE /* realpath */
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

/* ------------------------------------------------------ the PyTorch peers */
/* The peer's case for one of ours, or NULL when it has none. */
const char *t5_peer_case(const t5_item *it, const t5_case *c) {
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

/* Interpreters a and b are one (the same file in the same folder). The
 * folder is resolved, not the file: a venv's bin/python is a link to the
 * system python, yet runs the venv's packages. */
static void interpreter_key(const char *path, char *dst, size_t cap) {
  char dir[1024], real[4096];
  const char *slash = strrchr(path, '/');
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  else snprintf(dir, sizeof dir, ".");
  if (!dir[0]) snprintf(dir, sizeof dir, "/");
  if (realpath(dir, real)) snprintf(dst, cap, "%s/%s", real, slash ? slash + 1 : path);
  else snprintf(dst, cap, "%s", path);
}

/* The interpreters to try, without repeats: --python, else $ALCN_PYTHON (or
 * /usr/bin/python3) and the peer-env.sh venv's python when it exists. */
static int interpreters(const t5_opts *o, const char **out, char *venv, size_t venv_cap) {
  const char *list[T5_MAX_PEERS + 1];
  int n_list = 0, n = 0;
  if (o->n_pythons) {
    for (int i = 0; i < o->n_pythons; ++i) list[n_list++] = o->pythons[i];
  } else {
    list[n_list++] = tp_python();
    if (tp_venv_python(venv, venv_cap)) list[n_list++] = venv;
  }
  for (int i = 0; i < n_list; ++i) {
    char ki[4200], kj[4200];
    interpreter_key(list[i], ki, sizeof ki);
    int seen = 0;
    for (int j = 0; j < n && !seen; ++j) {
      interpreter_key(out[j], kj, sizeof kj);
      seen = !strcmp(ki, kj);
    }
    if (!seen) out[n++] = list[i];
  }
  return n;
}

/* The peers: each interpreter that imports torch, eager, then with
 * torch.compile where torch >= 2 (unless --no-compile); cuda: on the GPU,
 * each interpreter whose torch sees one. One line per interpreter left out. */
void t5_find_peers(const t5_opts *o, t5_peers *pe, int cuda) {
  const char *py[T5_MAX_PEERS + 1];
  char venv[1100], version[48], why[1400];
  const int npy = interpreters(o, py, venv, sizeof venv);
  pe->n = 0;
  for (int i = 0; i < npy; ++i) {
    if (!tp_probe(py[i], version, sizeof version, why, sizeof why)) {
      if (o->n_pythons || !o->quiet) fprintf(stderr, "table5: warning: PyTorch peer skipped: %s\n", why);
      continue;
    }
    if (cuda && !tp_probe_cuda(py[i], why, sizeof why)) {
      fprintf(stderr, "table5: warning: PyTorch peer skipped: %s\n", why);
      continue;
    }
    int major = 0;
    sscanf(version, "%d", &major);
    for (int compile = 0; compile <= (major >= 2 && !o->no_compile); ++compile) {
      if (pe->n == T5_MAX_PEERS) {
        fprintf(stderr, "table5: warning: more than %d PyTorch peers; %s%s left out\n", T5_MAX_PEERS, py[i],
                compile ? " --compile" : "");
        continue;
      }
      tp_peer *p = &pe->p[pe->n];
      tp_peer_init(p, py[i], version, compile, o->threads);
      if (cuda) tp_peer_use_cuda(p);
      for (int k = 0; k < pe->n; ++k) /* two interpreters with one torch version */
        if (!strcmp(pe->p[k].label, p->label)) {
          const size_t len = strlen(p->label);
          snprintf(p->label + len, sizeof p->label - len, " (%d)", i + 1);
          break;
        }
      pe->n++;
    }
  }
}

void t5_clear_peer_times(t5_item *items, int n) {
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < T5_MAX_CASES; ++j) {
      t5_case *c = &items[i].c[j];
      for (int k = 0; k < T5_MAX_PEERS; ++k) c->peer[k].ms = c->peer[k].native_ms = c->peer[k].fast_ms = NAN;
      c->fastest = -1;
      c->torch_ms = c->torch_native_ms = c->torch_fast_ms = NAN;
    }
}

/* One --deconv variant of peer k (its result tr) into each case it knows. */
static void take_peer_times(const t5_opts *o, const tp_result *tr, int k, const char *deconv, t5_item *items,
                            int n) {
  const int fast = !strcmp(deconv, "fast");
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < items[i].n; ++j) {
      t5_case *c = &items[i].c[j];
      const char *pc = t5_peer_case(&items[i], c);
      if (!pc) continue;
      const int train = !strcmp(c->kase, "train_step");
      const double t = tp_find(tr, pc, train ? o->loss : "-", o->C, c->batch, NULL, NULL) * 1e3;
      if (isnan(t)) continue;
      t5_peer_ms *pm = &c->peer[k];
      if (fast) pm->fast_ms = t;
      else pm->native_ms = t;
      if (isnan(pm->ms) || t < pm->ms) pm->ms = t;
    }
}

/* Each case's fastest peer, whose times become torch_*_ms. */
void t5_pick_fastest(t5_item *items, int n, int n_peers) {
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < items[i].n; ++j) {
      t5_case *c = &items[i].c[j];
      for (int k = 0; k < n_peers; ++k)
        if (!isnan(c->peer[k].ms) && (c->fastest < 0 || c->peer[k].ms < c->peer[c->fastest].ms)) c->fastest = k;
      if (c->fastest < 0) continue;
      c->torch_ms = c->peer[c->fastest].ms;
      c->torch_native_ms = c->peer[c->fastest].native_ms;
      c->torch_fast_ms = c->peer[c->fastest].fast_ms;
    }
}

void t5_take_peers_from(t5_item *items, const t5_item *from, int n) {
  t5_clear_peer_times(items, n);
  for (int i = 0; i < n; ++i) {
    t5_item *it = &items[i];
    const t5_item *f = &from[i];
    if (strcmp(it->method, f->method) || strcmp(it->noise, f->noise)) continue;
    for (int j = 0; j < it->n && j < f->n; ++j) {
      t5_case *c = &it->c[j];
      const t5_case *fc = &f->c[j];
      if (strcmp(c->kase, fc->kase) || c->batch != fc->batch) continue;
      memcpy(c->peer, fc->peer, sizeof c->peer);
      c->fastest = fc->fastest;
      c->torch_ms = fc->torch_ms;
      c->torch_native_ms = fc->torch_native_ms;
      c->torch_fast_ms = fc->torch_fast_ms;
    }
  }
}

int t5_peers_may_run(const t5_opts *o) {
  char why[256];
  if (o->no_torch) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run (--no-torch)\n");
    return 0;
  }
  if (o->H != 28 || o->W != 28) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run (it has the paper's 28x28 networks only)\n");
    return 0;
  }
  if (!tp_available(why, sizeof why)) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run: %s\n", why);
    return 0;
  }
  return 1;
}

void t5_run_peers(const t5_opts *o, t5_peers *pe, t5_item *items, int n) {
  t5_clear_peer_times(items, n);
  if (!t5_peers_may_run(o)) return;
  /* which peer cases and batches are wanted; the latency batch runs apart,
   * with the latency row's run counts (as ours) */
  const char *cases[4];
  int nc = 0, batches[2], nb = 0, lat = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < items[i].n; ++j) {
      const char *pc = t5_peer_case(&items[i], &items[i].c[j]);
      if (!items[i].ok || !pc) continue;
      int seen = 0;
      for (int k = 0; k < nc; ++k) seen |= !strcmp(cases[k], pc);
      if (!seen && nc < 4) cases[nc++] = pc;
      const int b = items[i].c[j].batch;
      if (b == o->lat_batch && b != o->batch) {
        lat = 1;
        continue;
      }
      seen = 0;
      for (int k = 0; k < nb; ++k) seen |= batches[k] == b;
      if (!seen && nb < 2) batches[nb++] = b;
    }
  if (!nc) return;
  if (!pe->found) { /* once: the probes start every interpreter */
    int cuda = 0; /* ours ran on the GPU: so do the peers */
    for (int i = 0; i < n; ++i) cuda |= items[i].ok && !strncmp(items[i].device, "cuda", 4);
    t5_find_peers(o, pe, cuda);
    pe->found = 1;
  }
  const char *losses[] = {o->loss};
  for (int k = 0; k < pe->n; ++k)
    for (int v = 0; v < o->n_deconv; ++v)
      for (int g = 0, failed = 0; g < 2 && !failed; ++g) { /* g 0: the timed batches; 1: the latency batch */
        if (g == 0 ? nb == 0 : !lat) continue;
        const int iters = g ? o->lat_iters : o->iters, warmup = g ? t5_lat_warmup(o) : o->warmup;
        tp_result tr = {0, NULL};
        if (!o->quiet)
          fprintf(stderr, "table5: running the PyTorch peer %s (%s, --deconv %s%s)\n", pe->p[k].label,
                  pe->p[k].python, o->deconv[v], g ? ", latency batch" : "");
        if (tp_run(&tr, &pe->p[k], o->deconv[v], o->C, g ? &o->lat_batch : batches, g ? 1 : nb, cases, nc, losses, 1,
                   iters, warmup, o->threads, o->quiet) != ALCN_OK) {
          const char *e = alcn_last_error(); /* its first line: one line per failed variant */
          fprintf(stderr, "table5: warning: PyTorch peer --deconv %s gave no times (peer %s): %.*s\n", o->deconv[v],
                  pe->p[k].label, (int)strcspn(e, "\n"), e);
          failed = 1;
          continue;
        }
        take_peer_times(o, &tr, k, o->deconv[v], items, n);
        tp_result_free(&tr);
      }
  t5_pick_fastest(items, n, pe->n);
}

/* The plan of alcnbench: every name checked (unknown ones are refused with
 * the valid names listed), classes resolved per data set, and the cells
 * enumerated in a fixed order with their ids and global indices (shards). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/dataset.h"
#include "alcn/protocol.h"
#include "bench.h"

static const char *const DATASETS[] = {"fashion-mnist", "mnist", "kmnist", "emnist", "cifar10",
                                       "cifar100",      "mvtec", "plantvillage", "folder"};
static const char *const PROTOCOLS[] = {"p1", "p2", "mvtec", "mvtec-7030", "plantvillage"};
static const char *const LOSSES[] = {"mse", "ffl", "l1"};

static void known_names(char *buf, size_t cap, const char *const *names, size_t n, int (*known)(const char *)) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; ++i) {
    if (known && !known(names[i])) continue;
    int w = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", names[i]);
    if (w < 0 || (size_t)w >= cap - len) break;
    len += (size_t)w;
  }
}

/* "id@variant": the variant is a non-empty name of letters, digits, '-', '_'
 * (it becomes part of file names). */
static alcn_status check_variant(const char *spec, const char *flag) {
  const char *at = strchr(spec, '@');
  if (!at) return ALCN_OK;
  int ok = at[1] != '\0' && at != spec;
  for (const char *q = at + 1; *q && ok; ++q)
    ok = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '-' || *q == '_';
  if (!ok)
    ALCN_FAIL(ALCN_ERR_ARG, "%s '%s': write a variant as id@name, the name of letters, digits, '-' or '_' "
              "(e.g. ganomaly@batch)", flag, spec);
  return ALCN_OK;
}

static alcn_status push(ab_plan *p, int *cap, const ab_cell *c) {
  if (p->n == *cap) {
    int nc = *cap ? *cap * 2 : 64;
    ab_cell *g = realloc(p->cells, sizeof(ab_cell) * (size_t)nc);
    if (!g) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory for the plan");
    p->cells = g;
    *cap = nc;
  }
  p->cells[p->n] = *c;
  p->cells[p->n].index = p->n;
  p->n++;
  return ALCN_OK;
}

/* Append id unless it is already there (the first occurrence keeps its place):
 * "all" given twice, or a name beside "all", adds nothing new, and the lists
 * below are sized for distinct entries only. */
static void add_id(const char **ids, int *n, const char *id) {
  for (int k = 0; k < *n; ++k)
    if (!strcmp(ids[k], id)) return;
  ids[(*n)++] = id;
}

static void add_class(int *ks, int *n, int k) {
  for (int q = 0; q < *n; ++q)
    if (ks[q] == k) return;
  ks[(*n)++] = k;
}

alcn_status ab_plan_build(ab_plan *p, const ab_config *c, const alcn_registry *reg) {
  memset(p, 0, sizeof *p);
  char valid[2048], id[128];
  /* methods and noises, de-duplicated: at most the registry's ids plus the
     variants named (and "none") */
  const char **mids = calloc((size_t)(reg->n_methods + c->methods.n + 1), sizeof *mids);
  const char **nids = calloc((size_t)(reg->n_noises + c->noises.n + 2), sizeof *nids);
  int nm = 0, nn = 0, cap = 0;
  alcn_status s = ALCN_OK;
  alcn_class_list cl;
  memset(&cl, 0, sizeof cl);
  if (!mids || !nids) {
    s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of host memory");
    goto done;
  }
  for (int i = 0; i < c->methods.n; ++i) {
    if (!strcmp(c->methods.v[i], "all")) {
      for (int k = 0; k < reg->n_methods; ++k) add_id(mids, &nm, reg->methods[k].desc->id);
      if (reg->n_methods == 0) {
        s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOT_FOUND,
                          "--method all: no method plugin was found (searched %s%s; hint: build the plugins or set "
                          "ALCN_PLUGIN_DIR)", reg->n_dirs ? reg->dirs[0] : "nothing", reg->n_dirs > 1 ? ", ..." : "");
        goto done;
      }
    } else if ((s = check_variant(c->methods.v[i], "--method")) != ALCN_OK) {
      goto done;
    } else if (alcn_registry_method(reg, ab_spec_id(c->methods.v[i], id, sizeof id), NULL)) {
      add_id(mids, &nm, strchr(c->methods.v[i], '@') ? c->methods.v[i] : alcn_registry_method(reg, id, NULL)->id);
    } else {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOT_FOUND, "unknown method '%s' (valid: %s)", id,
                        alcn_registry_method_ids(reg, valid, sizeof valid));
      goto done;
    }
  }
  for (int i = 0; i < c->noises.n; ++i) {
    if (!strcmp(c->noises.v[i], "all")) {
      int has_none = 0;
      for (int k = 0; k < reg->n_noises; ++k) has_none |= !strcmp(reg->noises[k].desc->id, "none");
      if (!has_none) add_id(nids, &nn, "none");
      for (int k = 0; k < reg->n_noises; ++k) add_id(nids, &nn, reg->noises[k].desc->id);
    } else if (!strcmp(c->noises.v[i], "none")) {
      add_id(nids, &nn, "none");
    } else if ((s = check_variant(c->noises.v[i], "--noise")) != ALCN_OK) {
      goto done;
    } else if (alcn_registry_noise(reg, ab_spec_id(c->noises.v[i], id, sizeof id), NULL)) {
      add_id(nids, &nn, strchr(c->noises.v[i], '@') ? c->noises.v[i] : alcn_registry_noise(reg, id, NULL)->id);
    } else {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOT_FOUND, "unknown noise '%s' (valid: none, %s)", id,
                        alcn_registry_noise_ids(reg, valid, sizeof valid));
      goto done;
    }
  }
  for (int i = 0; i < c->datasets.n; ++i)
    if (!alcn_dataset_known(c->datasets.v[i])) {
      known_names(valid, sizeof valid, DATASETS, sizeof DATASETS / sizeof *DATASETS, alcn_dataset_known);
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOT_FOUND, "unknown data set '%s' (valid: %s)",
                        c->datasets.v[i], valid);
      goto done;
    }
  for (int i = 0; i < c->protocols.n; ++i)
    if (!alcn_protocol_known(c->protocols.v[i])) {
      known_names(valid, sizeof valid, PROTOCOLS, sizeof PROTOCOLS / sizeof *PROTOCOLS, alcn_protocol_known);
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOT_FOUND, "unknown protocol '%s' (valid: %s)",
                        c->protocols.v[i], valid);
      goto done;
    }
  for (int i = 0; i < c->losses.n; ++i) {
    int ok = 0;
    for (size_t k = 0; k < sizeof LOSSES / sizeof *LOSSES; ++k) ok |= !strcmp(c->losses.v[i], LOSSES[k]);
    if (!ok) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOT_FOUND, "unknown loss '%s' (valid: mse, ffl, l1)",
                        c->losses.v[i]);
      goto done;
    }
  }
  /* option prefixes and values: plan_options.c, after the plan is built */

  for (int d = 0; d < c->datasets.n; ++d) {
    const char *ds = c->datasets.v[d];
    alcn_dataset_opts o = alcn_dataset_opts_default();
    o.root = ab_config_root(c, ds);
    o.size = c->image_size;
    o.quiet = 1;
    if ((s = alcn_dataset_classes(&cl, ds, &o)) != ALCN_OK) {
      alcn_error_trace(__FILE__, __LINE__, "alcn_dataset_classes");
      goto done;
    }
    /* the distinct class indices of this data set, in the order first given */
    int *ks = calloc((size_t)cl.n + (size_t)c->classes.n + 1, sizeof *ks);
    int nk = 0;
    if (!ks) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of host memory");
      goto done;
    }
    for (int i = 0; i < c->classes.n && s == ALCN_OK; ++i) {
      const char *v = c->classes.v[i];
      if (!strcmp(v, "all")) {
        for (int k = 0; k < cl.n; ++k) add_class(ks, &nk, k);
        continue;
      }
      char *end = NULL;
      long k = strtol(v, &end, 10);
      if (end != v && *end == '\0') {
        if (k < 0 || k >= cl.n)
          s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOT_FOUND,
                            "--classes: class %ld is out of range for %s (valid: 0..%d, or a class name)", k, ds,
                            cl.n - 1);
        else
          add_class(ks, &nk, (int)k);
        continue;
      }
      int f = alcn_class_list_find(&cl, v);
      if (f < 0) {
        size_t len = 0;
        valid[0] = '\0';
        for (int q = 0; q < cl.n && len + 4 < sizeof valid; ++q)
          len += (size_t)snprintf(valid + len, sizeof valid - len, "%s%s", q ? ", " : "", cl.names[q]);
        s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOT_FOUND, "--classes: %s has no class '%s' (valid: %s)", ds,
                          v, valid);
      } else {
        add_class(ks, &nk, f);
      }
    }
    for (int pr = 0; pr < c->protocols.n && s == ALCN_OK; ++pr)
      for (int ki = 0; ki < nk && s == ALCN_OK; ++ki)
        for (int m = 0; m < nm && s == ALCN_OK; ++m) {
          const alcn_method_desc *md = alcn_registry_method(reg, ab_spec_id(mids[m], id, sizeof id), NULL);
          int n_noise = md->hosts_noise ? nn : 1;
          for (int z = 0; z < n_noise && s == ALCN_OK; ++z) {
            const char *noise = md->hosts_noise ? nids[z] : "none";
            for (int lo = 0; lo < c->losses.n && s == ALCN_OK; ++lo)
              for (int sd = 0; sd < c->seeds.n && s == ALCN_OK; ++sd) {
                ab_cell cell;
                memset(&cell, 0, sizeof cell);
                cell.dataset = ds;
                cell.protocol = c->protocols.v[pr];
                cell.class_index = ks[ki];
                snprintf(cell.class_name, sizeof cell.class_name, "%s", cl.names[ks[ki]]);
                cell.method = mids[m];
                cell.noise = noise;
                cell.loss = c->losses.v[lo];
                cell.seed = strtoull(c->seeds.v[sd], NULL, 10);
                int idl = snprintf(cell.id, sizeof cell.id, "%s_%s_c%d_%s_%s_%s_s%llu", ds, cell.protocol,
                                   cell.class_index, cell.method, noise, cell.loss, (unsigned long long)cell.seed);
                /* an id cut short would merge two cells (and name files past NAME_MAX): refuse it here */
                if (idl < 0 || idl > AB_CELL_ID_MAX) {
                  s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG,
                                    "method '%.60s%s', noise '%.60s%s': the cell id would be %d characters, more "
                                    "than %d (it names the cell's files; hint: shorten the variant name)",
                                    cell.method, strlen(cell.method) > 60 ? "..." : "", noise,
                                    strlen(noise) > 60 ? "..." : "", idl, AB_CELL_ID_MAX);
                  break;
                }
                /* the same cell twice (a name given twice) runs once */
                int dup = 0;
                for (int q = 0; q < p->n && !dup; ++q) dup = !strcmp(p->cells[q].id, cell.id);
                if (!dup) s = push(p, &cap, &cell);
              }
          }
        }
    free(ks);
    alcn_class_list_free(&cl);
    memset(&cl, 0, sizeof cl);
  }
done:
  alcn_class_list_free(&cl);
  free(mids);
  free(nids);
  if (s != ALCN_OK) ab_plan_free(p);
  return s;
}

void ab_plan_free(ab_plan *p) {
  free(p->cells);
  memset(p, 0, sizeof *p);
}

int ab_plan_in_shard(const ab_config *c, const ab_cell *cell) {
  return c->shard_n <= 1 || cell->index % c->shard_n == c->shard_i;
}

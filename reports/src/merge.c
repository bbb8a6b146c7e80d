/* Results of several folders as one set (`alcnbench report A B ... -o OUT`):
 * each folder is loaded on its own (paths in records resolved inside their
 * own folder), then the cells are merged. A cell id present in more than one
 * folder is named in one line on stderr with the folders and the record
 * kept: a done record beats a failed one, then the later folder wins (the
 * rule rp_load_results applies inside one folder). */
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

alcn_status rp_load_results_multi(const char *const *dirs, int n, rp_results *res, int quiet) {
  memset(res, 0, sizeof *res);
  if (n == 1) return rp_load_results(dirs[0], res, quiet);
  for (int d = 0; d < n; ++d) {
    rp_results one;
    alcn_status st = rp_load_results(dirs[d], &one, quiet);
    if (st != ALCN_OK) {
      rp_free_results(res);
      return st;
    }
    rp_record *g = realloc(res->rec, (res->n + one.n + 1) * sizeof *g);
    rp_t5 *t = realloc(res->t5, (res->n_t5 + one.n_t5 + 1) * sizeof *t);
    if (g) res->rec = g;
    if (t) res->t5 = t;
    if (!g || !t) {
      rp_free_results(&one);
      rp_free_results(res);
      ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory merging the records of %s", dirs[d]);
    }
    for (size_t i = 0; i < one.n; ++i) {
      rp_record *r = &one.rec[i];
      size_t k = 0;
      while (k < res->n && strcmp(res->rec[k].cell, r->cell)) ++k;
      if (k == res->n) {
        res->rec[res->n++] = *r;
        continue;
      }
      rp_record *old = &res->rec[k];
      int keep_new = r->done || !old->done;
      fprintf(stderr, "report: duplicate cell %s: in %s (%s, %s) and %s (%s, %s); using the one from %s\n", r->cell,
              old->source, old->file, old->done ? "done" : "failed", r->source, r->file, r->done ? "done" : "failed",
              keep_new ? r->source : old->source);
      if (keep_new) {
        rp_free_record(old);
        *old = *r;
      } else {
        rp_free_record(r);
      }
    }
    for (size_t i = 0; i < one.n_t5; ++i) res->t5[res->n_t5++] = one.t5[i];
    if (!res->plan && one.plan) {
      res->plan = one.plan;
      one.plan = NULL;
      memcpy(res->plan_name, one.plan_name, sizeof res->plan_name);
    }
    /* the records and table-5 entries moved: free only the arrays */
    free(one.rec);
    free(one.t5);
    free(one.plan);
  }
  rp_relabel(res->rec, res->n);
  return ALCN_OK;
}

/* results.csv: the tidy export written with every report, one row per done
 * cell and metric with a finite value (columns RP_CSV_HEADER, RFC 4180
 * quoting), so that pandas.read_csv / R's read.csv load it as it is.
 * variant: the "@name" parts of the method and noise ("batch", "x+y", or
 * empty); label: the report's row label; source: the results folder. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <string.h>

#include "alcn/fsutil.h"
#include "report_internal.h"

void rp_csv_field(rp_buf *b, const char *s) {
  if (!s) s = "";
  size_t n = strlen(s);
  int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
  for (const char *p = s; *p && !quote; ++p) quote = *p == ',' || *p == '"' || *p == '\n' || *p == '\r';
  if (!quote) {
    rp_buf_put(b, s);
    return;
  }
  rp_buf_put(b, "\"");
  for (const char *p = s; *p; ++p) rp_buf_put(b, *p == '"' ? "\"\"" : (char[2]){*p, 0});
  rp_buf_put(b, "\"");
}

/* id without "@variant"; the variant part (after '@') or "". */
static void split_spec(const char *spec, char *id, size_t cap, const char **variant) {
  const char *at = strchr(spec ? spec : "", '@');
  size_t k = at ? (size_t)(at - spec) : strlen(spec ? spec : "");
  snprintf(id, cap, "%.*s", (int)k, spec ? spec : "");
  *variant = at ? at + 1 : "";
}

alcn_status rp_write_results_csv(const rp_results *res, const char *path) {
  rp_buf b = {0};
  rp_buf_put(&b, RP_CSV_HEADER "\n");
  for (size_t i = 0; i < res->n; ++i) {
    const rp_record *r = &res->rec[i];
    if (!r->done) continue;
    char mid[96], nid[96], var[200], num[64];
    const char *mv, *nv;
    split_spec(r->method, mid, sizeof mid, &mv);
    split_spec(r->noise, nid, sizeof nid, &nv);
    snprintf(var, sizeof var, "%s%s%s", mv, *mv && *nv ? "+" : "", nv);
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(r->root, "epochs");
    for (int m = 0; m < RP_N_METRICS; ++m) {
      if (!isfinite(r->metric[m])) continue;
      rp_csv_field(&b, r->cell);
      rp_buf_put(&b, ",");
      rp_csv_field(&b, r->dataset);
      rp_buf_put(&b, ",");
      rp_csv_field(&b, r->protocol);
      rp_buf_printf(&b, ",%d,", r->cls);
      rp_csv_field(&b, r->class_name);
      rp_buf_put(&b, ",");
      rp_csv_field(&b, mid);
      rp_buf_put(&b, ",");
      rp_csv_field(&b, nid);
      rp_buf_put(&b, ",");
      rp_csv_field(&b, var);
      rp_buf_put(&b, ",");
      rp_csv_field(&b, r->label);
      rp_buf_put(&b, ",");
      rp_csv_field(&b, r->loss);
      rp_buf_printf(&b, ",%d,%s,%.10g,", r->seed, rp_metric_id[m], r->metric[m]);
      if (cJSON_IsNumber(ep)) rp_buf_printf(&b, "%d", ep->valueint);
      else rp_buf_printf(&b, "%d", r->n_epochs);
      if (isfinite(r->train_seconds)) snprintf(num, sizeof num, "%.6g", r->train_seconds);
      else num[0] = 0;
      rp_buf_printf(&b, ",%s,%s,", num, r->loss_not_falling < 0 ? "" : r->loss_not_falling ? "true" : "false");
      rp_csv_field(&b, r->source);
      rp_buf_put(&b, "\n");
    }
  }
  alcn_status st = b.oom ? alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory writing %s", path)
                         : alcn_fs_write_atomic(path, NULL, b.s, b.len);
  rp_buf_free(&b);
  return st;
}

/* Flagged cells in the report index: runs whose training loss did not fall
 * from the first epoch to the last (the record's loss_not_falling), which
 * usually means an untrained model (too low a learning rate, too few epochs)
 * and whose numbers should not be read as the method's. The tables mark
 * their rows with a dagger (tables.c). */
#include <string.h>

#include "report_internal.h"

void rp_flags_section(const rp_results *res, rp_buf *md, rp_buf *html) {
  size_t k = 0;
  for (size_t i = 0; i < res->n; ++i) k += res->rec[i].done && res->rec[i].loss_not_falling == 1;
  if (!k) return;
  rp_buf_printf(md, "\n## Loss not falling\n\n%zu cells ended with a training loss not below their first epoch's "
                    "(marked † in the tables): their models may be untrained (hint: a larger lr or more epochs).\n\n"
                    "| Cell | First epoch loss | Last epoch loss | Epochs |\n|:--|--:|--:|--:|\n", k);
  rp_buf_printf(html, "<h2 id=\"loss-not-falling\">Loss not falling</h2>\n<p class=\"warn\">%zu cells ended with a "
                      "training loss not below their first epoch's (marked &dagger; in the tables): their models may "
                      "be untrained (hint: a larger lr or more epochs).</p>\n<table class=\"res\"><thead><tr>"
                      "<th>Cell</th><th>First epoch loss</th><th>Last epoch loss</th><th>Epochs</th></tr></thead>"
                      "<tbody>\n", k);
  for (size_t i = 0; i < res->n; ++i) {
    const rp_record *r = &res->rec[i];
    if (!r->done || r->loss_not_falling != 1) continue;
    double a = r->n_epochs ? r->epoch_losses[0] : 0, b = r->n_epochs ? r->epoch_losses[r->n_epochs - 1] : 0;
    rp_buf_printf(md, "| %s | %.6g | %.6g | %d |\n", r->cell, a, b, r->n_epochs);
    rp_buf_put(html, "<tr><td>");
    rp_buf_html(html, r->cell);
    rp_buf_printf(html, "</td><td class=\"n\">%.6g</td><td class=\"n\">%.6g</td><td class=\"n\">%d</td></tr>\n", a, b,
                  r->n_epochs);
  }
  rp_buf_put(html, "</tbody></table>\n");
}

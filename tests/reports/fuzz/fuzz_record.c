/* libFuzzer target: the report's record reader (rp_record_parse_text, one
 * records/ *.json of a results folder), then the relabelling the report does
 * on the loaded records. A record it accepts must keep the invariants the
 * report relies on (abort, i.e. a crash, otherwise): the file name it was
 * given, a cell id and the defaulted names set, no path resolved yet. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

static void check(int ok) {
  if (!ok) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rp_record r;
  if (rp_record_parse_text(&r, (const char *)data, size, "fuzz/records/x.json", "x.json", 1)) {
    check(r.root && r.file && strcmp(r.file, "x.json") == 0);
    check(r.cell && r.dataset && r.protocol && r.method);
    check(!r.figure4_path && !r.anomaly_maps_path && !r.source);
    check(memchr(r.label, '\0', sizeof r.label) != NULL);
    rp_relabel(&r, 1);
    check(memchr(r.label, '\0', sizeof r.label) != NULL);
    rp_free_record(&r);
  } else {
    check(!r.root && !r.scores && !r.epoch_losses);
  }
  return 0;
}

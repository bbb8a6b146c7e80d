/* The report generator: `alcnbench report RESULTS_DIR -o OUT_DIR` turns the
 * harness's per-cell JSON records into paper-ready tables (Markdown, LaTeX
 * booktabs), gnuplot figures (script + data kept beside each figure),
 * Figure-4 image grids (PNG via libpng) and an index (report.md and a
 * self-contained report.html).
 *
 * Output layout under OUT_DIR:
 *   report.md, report.html
 *   tables/<metric>_<dataset>_<protocol>.{md,tex}, tables/table5.{md,tex}
 *   tables/stats_<metric>_<dataset>_<protocol>.{md,tex} (CI, Wilcoxon, Friedman)
 *   figures/<name>.{gp,dat,png|svg|pdf} (cd_<metric>_<dataset>_<protocol>: critical differences)
 *   figure4/<cell>.png
 *
 * Exit codes of alcn_report_main: 0 success (also when gnuplot is missing:
 * the tables, .gp and .dat files are written and one warning names every
 * figure that was not rendered), 1 error (unreadable input, unwritable
 * output, gnuplot failing on a script), 2 usage error. */
#ifndef ALCN_REPORT_H
#define ALCN_REPORT_H

#include <stddef.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pixel sizes of the PNG figures (SVG uses the same; PDF uses size/100 inches). */
#define ALCN_REPORT_BARS_W 1000
#define ALCN_REPORT_BARS_H 420
#define ALCN_REPORT_ROC_W 520
#define ALCN_REPORT_ROC_H 480
#define ALCN_REPORT_LOSS_W 800
#define ALCN_REPORT_LOSS_H 420
#define ALCN_REPORT_T5_W 800
#define ALCN_REPORT_T5_H 440
/* Score histograms: one panel per class, at most HIST_COLS panels a row. */
#define ALCN_REPORT_HIST_PANEL_W 300
#define ALCN_REPORT_HIST_PANEL_H 260
#define ALCN_REPORT_HIST_COLS 5
/* Critical-difference diagrams: ALCN_REPORT_CD_W wide; for k methods and g
 * groups of methods joined by a bar, ALCN_REPORT_CD_H(k, g) high. */
#define ALCN_REPORT_CD_W 860
#define ALCN_REPORT_CD_H(k, g) (212 + 30 * (((k) + 1) / 2 - 1) + 12 * (g))

/* Figure-4 grid: each h x w panel is scaled up by the integer factor
 * ceil(ALCN_REPORT_F4_MIN_PANEL / h) (at least 1) and panels are separated
 * (and framed) by ALCN_REPORT_F4_GAP white pixels:
 *   width  = 4 * w * s + 5 * gap,  height = n * h * s + (n + 1) * gap. */
#define ALCN_REPORT_F4_MIN_PANEL 96
#define ALCN_REPORT_F4_GAP 4
/* A larger grid is refused (libpng's default limit is 1000000 pixels a side). */
#define ALCN_REPORT_F4_MAX_SIDE 1000000
#define ALCN_REPORT_F4_MAX_BYTES (1 << 30)

/* `report RESULTS_DIR -o OUT_DIR [--format png|svg|pdf] [--metrics auroc,aupr,f1max]
 *  [--reference DIR] [--quiet]`; argv[0] is the command name ("report").
 * Prints progress to stdout (unless --quiet) and errors/warnings to stderr. */
int alcn_report_main(int argc, char **argv);

/* Read a Figure-4 file (.f4, see below) and write its grid as an 8-bit PNG
 * (gray for c == 1, RGB for c == 3, else the first channel as gray).
 * Rows = images; columns = input | noise | input+noise | reconstruction,
 * each panel min-max scaled on its own. *width / *height (optional) receive
 * the PNG size.
 * .f4 layout (little-endian): char magic[8] = "ALCNF4v1"; int32 n, c, h, w;
 * then per image four float32 planes of c*h*w: input, noise, input+noise, output. */
alcn_status alcn_report_figure4_png(const char *f4_path, const char *png_path, int *width, int *height);

/* ---- File helpers shared with alcnbench (defined in reports/src/util.c) ---- */

/* Read a file that may come from anyone (a config file, a record) into a
 * malloc'ed, NUL-terminated buffer (*n: its length; n may be NULL). Opened with
 * O_NONBLOCK and checked with fstat: only a regular file is read (a folder, a
 * FIFO, a device or a socket is refused at once, never waited on), and one
 * of more than cap bytes is refused. Errors (ALCN_ERR_IO, ALCN_ERR_NOMEM) are
 * one line naming "WHAT PATH" (what may be NULL, e.g. "--config"). */
alcn_status alcn_report_read_regular(const char *what, const char *path, size_t cap, char **data, size_t *n);
/* The cap on a cell record (its test scores take about 20 bytes an image),
 * for the report and for alcnbench's resume check alike. */
#define ALCN_REPORT_RECORD_CAP ((size_t)256 << 20)

/* Write data[len] to path atomically: a temporary file with a unique name
 * (".<name>.p<pid>.<unique>.tmp", O_EXCL) in tmp_dir (NULL: path's own folder; it must be
 * on the same file system), every byte written and checked, fsync, rename
 * over path, fsync of path's folder. On any failure the temporary file is
 * removed and path is untouched (old contents or absent), never truncated. */
alcn_status alcn_report_write_atomic(const char *path, const char *tmp_dir, const void *data, size_t len);
/* The pid in the name of a temporary file of alcn_report_write_atomic
 * (".<name>.p<pid>.<unique>.tmp"), 0 for any other name. */
long alcn_report_tmp_owner(const char *name);

#ifdef __cplusplus
}
#endif
#endif

/* The report generator: `alcnbench report RESULTS_DIR... -o OUT_DIR` turns the
 * harness's per-cell JSON records (of one or more results folders, merged)
 * into paper-ready tables (Markdown, LaTeX booktabs), gnuplot figures
 * (script + data kept beside each figure), Figure-4 image grids and
 * anomaly-map overlays (PNG via libpng), the tidy results.csv and an index
 * (report.md and a self-contained report.html).
 *
 * Output layout under OUT_DIR:
 *   report.md, report.html, results.csv (one row per cell and metric)
 *   tables/<metric>_<dataset>_<protocol>.{md,tex}, tables/table5.{md,tex}
 *     (metrics: auroc, aupr, f1max as asked; pixel_auroc, aupro where records have them)
 *   tables/stats_<metric>_<dataset>_<protocol>.{md,tex} (CI, Wilcoxon, Friedman)
 *   figures/<name>.{gp,dat,png|svg|pdf} (cd_<metric>_<dataset>_<protocol>: critical differences)
 *   figure4/<cell>.png, figure4/<cell>-maps.png (overlays); with --format pdf also .pdf
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

/* Figure-4 grids and anomaly-map overlays: each h x w panel is scaled up by
 * the integer factor s = ceil(ALCN_REPORT_F4_MIN_PANEL / h) (at least 1);
 * panels are separated (and framed) by ALCN_REPORT_F4_GAP white pixels; a
 * band of ALCN_REPORT_F4_HEAD_H pixels on top holds the column headers and
 * one of ALCN_REPORT_F4_LABEL_W on the left the row labels (normal /
 * anomalous and the score), in a built-in 5x7 font scaled by
 * ALCN_REPORT_F4_TEXT_SCALE. For k columns and n rows:
 *   width  = LABEL_W + k * w * s + (k + 1) * gap,
 *   height = HEAD_H + n * h * s + (n + 1) * gap. */
#define ALCN_REPORT_F4_MIN_PANEL 168
#define ALCN_REPORT_F4_GAP 4
#define ALCN_REPORT_F4_TEXT_SCALE 2
#define ALCN_REPORT_F4_HEAD_H 30
#define ALCN_REPORT_F4_LABEL_W 176
/* A larger grid is refused (libpng's default limit is 1000000 pixels a side). */
#define ALCN_REPORT_F4_MAX_SIDE 1000000
#define ALCN_REPORT_F4_MAX_BYTES (1 << 30)

/* `report RESULTS_DIR -o OUT_DIR [--format png|svg|pdf] [--metrics auroc,aupr,f1max]
 *  [--reference DIR] [--quiet]`; argv[0] is the command name ("report").
 * Prints progress to stdout (unless --quiet) and errors/warnings to stderr. */
int alcn_report_main(int argc, char **argv);

/* `compare A B [--metric M] [--quiet]`: per-cell and average differences of a
 * metric between two results folders (cells paired by id) and a paired
 * Wilcoxon signed-rank test; argv[0] is the command name ("compare").
 * Exit codes: 0 ok, 1 error, 2 usage. */
int alcn_report_compare_main(int argc, char **argv);

/* Read a Figure-4 file (.f4) and write its grid as an 8-bit PNG (RGB; the
 * first channel of images with c != 1, 3 shown as gray). Rows = images,
 * labelled normal / anomalous with their scores; columns = input | noise |
 * input+noise | reconstruction, each column min-max scaled over its rows; the
 * noise columns are left out when the file says the method has no noise
 * (v2 flags) or its noise planes are all zero (v1). *width / *height
 * (optional) receive the PNG size.
 * .f4 layout (little-endian): char magic[8] = "ALCNF4v2"; int32 n, c, h, w;
 * int32 flags (bit 0: noise panels present); then per image int32 label (1
 * anomalous, 0 normal, -1 unknown), float32 score and four float32 planes of
 * c*h*w: input, noise, input+noise, output. "ALCNF4v1" files have no flags,
 * labels or scores. */
alcn_status alcn_report_figure4_png(const char *f4_path, const char *png_path, int *width, int *height);

/* The cap on a cell record (its test scores take about 20 bytes an image),
 * for the report and for alcnbench's resume check alike (read with
 * alcn_fs_read_regular, alcn/fsutil.h). */
#define ALCN_REPORT_RECORD_CAP ((size_t)256 << 20)

#ifdef __cplusplus
}
#endif
#endif

/* Shared types of the report generator (private to reports/): the loaded
 * records, the reference tables, the table model every writer renders, the
 * method comparisons (statistics per dataset and protocol), the figure
 * registry, and small string/file helpers. */
#ifndef ALCN_REPORT_INTERNAL_H
#define ALCN_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include <cJSON.h>

#include "alcn/fsutil.h"
#include "alcn/report.h"
#include "alcn/status.h"
#include "stats.h"

/* ---- growable string ------------------------------------------------------ */
typedef struct rp_buf {
  char *s;
  size_t len, cap;
  int oom; /* set once an allocation failed; further appends are dropped */
} rp_buf;

void rp_buf_printf(rp_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void rp_buf_put(rp_buf *b, const char *s);
/* Append n raw bytes (binary data; still NUL-terminated after them). */
void rp_buf_append(rp_buf *b, const void *data, size_t n);
void rp_buf_free(rp_buf *b);
/* Append s escaped for LaTeX / HTML. */
void rp_buf_tex(rp_buf *b, const char *s);
void rp_buf_html(rp_buf *b, const char *s);
/* Append the base64 encoding of data[n]. */
void rp_buf_base64(rp_buf *b, const unsigned char *data, size_t n);

/* ---- files (mkdir -p: alcn_fs_mkdir_p, alcn/fsutil.h) ------------------------ */
/* Every file of the report is written through alcn_fs_write_atomic
 * (temporary file, fsync, rename): a full disk leaves no truncated file. */
alcn_status rp_write_file(const char *path, const char *data, size_t n);
/* Whole regular file (no FIFO, folder or device) of at most cap bytes into a
 * malloc'ed, NUL-terminated buffer (alcn_fs_read_regular). */
alcn_status rp_read_file(const char *path, size_t cap, char **data, size_t *n);
/* Size caps of the files the report reads. */
#define RP_CAP_RECORD ALCN_REPORT_RECORD_CAP
#define RP_CAP_TEXT ((size_t)16 << 20)     /* plan files, reference CSVs */
#define RP_CAP_FIGURE ((size_t)256 << 20)  /* a rendered figure embedded in report.html */
#define RP_CAP_F4 ((size_t)1 << 30)        /* a Figure-4 .f4 file */
int rp_file_exists(const char *path);
/* Lower-case, keep [a-z0-9], map the rest to '-' (file-name safe id). */
void rp_slug(char *dst, size_t cap, const char *src);
/* Lower-case and drop '-', '_', ' ' ("CIFAR-10" == "cifar10"). */
void rp_norm_name(char *dst, size_t cap, const char *src);

/* ---- records ------------------------------------------------------------------ */
/* Metrics of a record: image level (auroc, aupr, f1max), then pixel level
 * (pixel_auroc, aupro: data sets with masks only). */
#define RP_N_METRICS 5
typedef struct rp_record {
  cJSON *root;            /* owns every string below */
  const char *file;       /* basename of the JSON file (kept in root as "_report_file") */
  const char *cell, *status, *reason, *dataset, *protocol, *class_name, *method, *noise, *loss;
  const char *device, *git_rev, *start, *end, *figure4, *manifest_hash;
  const char *figure4_path; /* figure4 resolved inside the results folder (real path); NULL: none or refused */
  int cls, seed, done;
  char label[96];         /* derived method label ("DAE+ALCN"), + " (LOSS)" when losses differ */
  double metric[RP_N_METRICS]; /* auroc, aupr, f1max, pixel_auroc, aupro; NAN when absent (the first three
                                computed from the scores where possible) */
  int loss_not_falling;   /* 1: the last epoch's loss is not below the first's; 0: it fell; -1: unknown */
  const char *anomaly_maps_path; /* the record's .amap resolved inside its results folder; NULL: none */
  const char *source;     /* the results folder it was read from */
  double train_seconds, infer_ms;
  double *epoch_losses;
  int n_epochs;
  double *epoch_saturation; /* learned noise: fraction of outputs within 0.01 of 0 or 1, per epoch */
  int n_saturation;
  float *scores;
  int *labels;
  size_t n_scores;
} rp_record;

typedef struct rp_t5 {
  cJSON *root;
  const char *method, *noise, *kase, *device;
  char label[96];
  int batch;
  double ours_ms, ours_min, ours_max, torch_ms, speedup, images_per_s, params_method, params_noise;
} rp_t5;

typedef struct rp_results {
  rp_record *rec;
  size_t n;
  rp_t5 *t5;
  size_t n_t5;
  char *plan;             /* plan.json / plan.txt contents when present, else NULL */
  char plan_name[32];
} rp_results;

enum { RP_AUROC = 0, RP_AUPR = 1, RP_F1 = 2, RP_PIXEL_AUROC = 3, RP_AUPRO = 4 };
extern const char *const rp_metric_id[RP_N_METRICS];   /* "auroc", "aupr", "f1max", "pixel_auroc", "aupro" */
extern const char *const rp_metric_name[RP_N_METRICS]; /* "AUROC", "AUPR", "F1-max", "Pixel AUROC", "AUPRO" */

/* The label shown in tables for method/noise ("DAE+ALCN", "GANomaly", ...). */
void rp_method_label(char *dst, size_t cap, const char *method, const char *noise);
/* The same with the record's labels (method_label / noise_label; NULL when the
 * record has none: the loaded plugins' descriptors name it, else the id). */
void rp_method_label_from(char *dst, size_t cap, const char *method, const char *noise, const char *method_label,
                          const char *noise_label);
/* Sort key placing baselines first and DAE+ALCN last (paper order). */
int rp_label_order(const char *label);

/* One record from its JSON text text[0..n) (read up to a NUL byte, never past
 * n): path names it in warnings, file (its basename) is kept in the record.
 * 1: *r holds it (paths not yet resolved; release with rp_free_record);
 * 0: skipped (not a JSON object, another schema, a bad class or seed), with
 * a warning on stderr, and *r empty. rp_load_results reads each file with it. */
int rp_record_parse_text(rp_record *r, const char *text, size_t n, const char *path, const char *file, int quiet);
/* Loads RESULTS_DIR/records/ *.json and RESULTS_DIR/table5/ *.json (sorted by
 * file name; duplicate cells: a done record wins, then the later file). */
alcn_status rp_load_results(const char *dir, rp_results *res, int quiet);
void rp_free_results(rp_results *res);

/* ---- reference (published) tables -------------------------------------------- */
#define RP_REF_MAXCOL 40
typedef struct rp_ref {
  char file[64];
  char source[256];
  char dataset[48];        /* normalised */
  char protocols[96];      /* space separated */
  char metric[16];
  char note[160];
  int ncol;                /* value columns (after "method") */
  char colname[RP_REF_MAXCOL][32];
  int ncls;                /* columns that are classes (class ids 0..), then maybe "avg" */
  int nrow;
  char (*row)[64];
  double (*val)[RP_REF_MAXCOL];  /* NAN when blank */
  char (*txt)[RP_REF_MAXCOL][12];/* the value as printed in the paper */
} rp_ref;

typedef struct rp_refs {
  rp_ref *t;
  size_t n;
} rp_refs;

/* From DIR (if not NULL) or from the copies compiled into the program. */
alcn_status rp_load_refs(const char *dir, rp_refs *refs);
void rp_free_refs(rp_refs *refs);
/* The published table for (dataset, protocol, metric) or NULL. */
const rp_ref *rp_find_ref(const rp_refs *refs, const char *dataset, const char *protocol, const char *metric);
const rp_ref *rp_find_ref_by_file(const rp_refs *refs, const char *file);

/* ---- table model ------------------------------------------------------------------ */
enum { RP_EMPTY = 0, RP_NUM, RP_TEXT };
typedef struct rp_cell {
  int kind, has_std, bold, decimals, n;
  double mean, std;
  char text[96];
} rp_cell;

#define RP_MAXCOL 64
typedef struct rp_row {
  char label[112];
  int published;
  rp_cell c[RP_MAXCOL];
} rp_row;

typedef struct rp_table {
  char id[128];            /* file stem: auroc_mnist_p1 */
  char title[256];
  char caption[2048];
  int ncol;
  char col[RP_MAXCOL][48];
  int nrow;
  rp_row *rows;
  int right_from;          /* first right-aligned column */
} rp_table;

void rp_table_free(rp_table *t);
void rp_table_md(const rp_table *t, rp_buf *b);
void rp_table_tex(const rp_table *t, rp_buf *b);
void rp_table_html(const rp_table *t, rp_buf *b);
/* One table per (dataset, protocol) for the metric; *tables malloc'ed. */
alcn_status rp_build_metric_tables(const rp_results *res, const rp_refs *refs, int metric, rp_table **tables,
                                   size_t *n);
/* Table 5 (ours) and the published Table 5; either may come back empty (nrow 0). */
alcn_status rp_build_table5(const rp_results *res, const rp_refs *refs, rp_table *ours, rp_table *published);

/* ---- method comparisons (compare.c) ------------------------------------------------- */
/* Significance level of the Nemenyi critical difference. */
#define RP_CD_ALPHA 0.05

typedef struct rp_cmp_method {
  const char *label;     /* the table's row label (points into the records) */
  int is_alcn;           /* its records are method "dae" with noise "alcn" (no variant) */
  double avg, ci_half;   /* mean over seeds of the per-seed average over classes, and the half
                            width of its t-based 95% CI (NAN with fewer than 2 seeds) */
  int n_seeds;           /* seeds with a value for every class (the n of avg and CI) */
  double mean_rank;      /* Friedman mean rank over the complete blocks (1 = best); NAN: not ranked */
  rp_wilcoxon w;         /* against the reference; w.n == 0: not tested (the reference itself) */
  double delta;          /* mean of (this - reference) over the paired (class, seed) cells */
} rp_cmp_method;

typedef struct rp_comparison {
  const char *ds, *proto;
  int metric;
  int k;                 /* methods (done records with a finite value), paper order */
  rp_cmp_method *m;
  int ref;               /* the Wilcoxon reference: DAE+ALCN, else the best avg; -1 when k < 2 */
  int ref_alcn;          /* 1 when the reference is DAE+ALCN */
  int n_classes, n_seeds, n_cells; /* distinct classes, seeds, (class, seed) cells with any value */
  int has_friedman;      /* k >= 2 and at least 2 complete blocks */
  rp_friedman fr;        /* blocks: (class, seed) cells with a value for every method */
} rp_comparison;

/* One comparison per (dataset, protocol) of the done records (sorted like the
 * metric tables); *out malloc'ed, free with rp_free_comparisons. */
alcn_status rp_build_comparisons(const rp_results *res, int metric, rp_comparison **out, size_t *n);
void rp_free_comparisons(rp_comparison *c, size_t n);
/* The statistics table of a comparison (id stats_<metric>_<dataset>_<protocol>). */
alcn_status rp_comparison_table(const rp_comparison *c, rp_table *t);
/* p-value as shown in tables: 4 decimals, or 2 significant digits below 0.001; "—" for NAN. */
void rp_format_p(char *dst, size_t cap, double p);

/* ---- figures ----------------------------------------------------------------------- */
typedef struct rp_figure {
  char name[160];          /* file stem under figures/ (or figure4/) */
  char title[256];
  char section[64];        /* "AUROC per class", "ROC curves", ... */
  int rendered;
  int figure4;             /* 1: PNG under figure4/ written by libpng */
} rp_figure;

typedef struct rp_figures {
  rp_figure *f;
  size_t n, cap;
  const char *format;      /* png, svg, pdf */
  char gnuplot[1024];      /* path of gnuplot, "" when not on PATH */
  int quiet;
  int failures;            /* scripts gnuplot failed on */
} rp_figures;

rp_figure *rp_fig_add(rp_figures *figs, const char *name, const char *title, const char *section);
/* gnuplot script helpers (plots.c): terminal, output and common style; a
 * double-quoted gnuplot string; write NAME.gp + NAME.dat under dir, register
 * the figure and render it when gnuplot exists. */
void rp_gp_header(rp_buf *b, const rp_figures *figs, const char *name, const char *title, int w, int h);
void rp_gp_quote(rp_buf *b, const char *s);
alcn_status rp_gp_emit(rp_figures *figs, const char *dir, const char *name, const char *title, const char *section,
                       const rp_buf *gp, const rp_buf *dat);
/* Critical-difference diagram of a comparison (cdplot.c); nothing when it has no Friedman test. */
alcn_status rp_cd_figure(rp_figures *figs, const char *dir, const rp_comparison *c);
/* Noise saturation and relative loss per epoch, per data set and protocol (saturation.c). */
alcn_status rp_saturation_figures(rp_figures *figs, const char *dir, const rp_results *res);
/* Find gnuplot on PATH (ALCN_GNUPLOT overrides); "" when absent. */
void rp_find_gnuplot(char *dst, size_t cap);
/* Write every figure's .gp/.dat under figures_dir and render them when gnuplot exists. */
alcn_status rp_make_plots(const rp_results *res, const rp_refs *refs, const int metrics[3], const char *figures_dir,
                          rp_figures *figs);
alcn_status rp_make_figure4(const rp_results *res, const char *results_dir, const char *f4_dir, rp_figures *figs);
/* The noise gallery (gallery.c): per (data set, protocol), every DAE noise of one (class, seed)
 * on the same test images, from the cells' Figure-4 files; PNGs under f4_dir. */
alcn_status rp_make_gallery(const rp_results *res, const char *f4_dir, rp_figures *figs);

/* ---- index --------------------------------------------------------------------------- */
typedef struct rp_index_in {
  const char *results_dir, *out_dir, *command;
  const rp_results *res;
  rp_table *tables;
  size_t n_tables;
  const rp_figures *figs;
} rp_index_in;
alcn_status rp_write_index(const rp_index_in *in);

/* ---- results of several folders, tidy CSV, comparisons (merge.c, csv.c, compare_main.c) ---- */
/* Load every folder (rp_load_results each) into one set. A cell id found in
 * more than one folder is named on stderr in one line (which folders, which
 * record is kept: done beats failed, then the later folder); labels are
 * derived again over the merged set. */
alcn_status rp_load_results_multi(const char *const *dirs, int n, rp_results *res, int quiet);
/* Free one record's memory (records.c). */
void rp_free_record(rp_record *r);
/* The labels again over rec[0..n) (records.c): each record's own label as
 * it was read, then " (LOSS)" where a label has several losses in the set. */
void rp_relabel(rp_record *rec, size_t n);
/* results.csv: one row per done cell and finite metric (csv.c); the header is RP_CSV_HEADER. */
#define RP_CSV_HEADER \
  "cell,dataset,protocol,class,class_name,method,noise,variant,label,loss,seed,metric,value,epochs,train_seconds," \
  "loss_not_falling,source"
alcn_status rp_write_results_csv(const rp_results *res, const char *path);
/* Append s to b as one CSV field (RFC 4180: quoted when it holds a comma, a
 * quote, CR/LF or edge blanks; quotes doubled). */
void rp_csv_field(rp_buf *b, const char *s);

/* ---- raster drawing for the grids the report draws itself (raster.c) ------------------ */
#define RP_FONT_W 5
#define RP_FONT_H 9 /* 7 above the baseline, 2 below */
typedef struct rp_canvas {
  unsigned char *pix; /* h rows of w pixels of ch bytes (1 gray, 3 RGB) */
  int w, h, ch;
} rp_canvas;
/* Width in pixels of s in the built-in 5x7 font (with descenders) at an integer scale (height: RP_FONT_H * scale). */
int rp_text_width(const char *s, int scale);
void rp_draw_text(rp_canvas *cv, int x, int y, int scale, const char *s, const unsigned char rgb[3]);
void rp_fill_rect(rp_canvas *cv, int x, int y, int w, int h, const unsigned char rgb[3]);
/* Encode as 8-bit PNG in memory, then write atomically. */
alcn_status rp_png_write(const char *path, const rp_canvas *cv);
/* The raster as a one-page PDF (Flate-compressed RGB image, 150 dpi), written atomically. */
alcn_status rp_pdf_write(const char *path, const rp_canvas *cv);
/* A labelled grid of n rows x cols panels of h x w pixels (scaled up by s,
 * sizes in alcn/report.h): white canvas, column headers drawn (headers may
 * be NULL), rows labelled by rp_grid_row_label. A grid over the PNG limits is
 * refused (ALCN_ERR_FORMAT naming what) before anything is allocated. */
typedef struct rp_grid {
  int n, cols, s, pw, ph; /* pw x ph: a scaled panel */
  rp_canvas cv;           /* owns pix: free(cv.pix) */
} rp_grid;
alcn_status rp_grid_init(rp_grid *g, const char *what, int n, int cols, int h, int w, int ch,
                         const char *const *headers);
/* Top-left pixel of panel (row, col). */
void rp_grid_panel_xy(const rp_grid *g, int row, int col, int *x, int *y);
/* "normal" (green) / "anomalous" (red) / "image k" (label -1) and "score S" (NaN: none) left of a row. */
void rp_grid_row_label(rp_grid *g, int row, int label, double score);

/* ---- anomaly-map overlays (overlay.c) ----------------------------------------------- */
/* One PNG per record with an .amap file under dir (input | ground truth |
 * anomaly map | overlay, rows labelled normal / anomalous with their scores). */
alcn_status rp_make_overlays(const rp_results *res, const char *dir, rp_figures *figs);
/* Render one .amap file (bench/harness/pixel_eval.c) as that PNG. */
alcn_status rp_overlay_png(const char *amap_path, const char *png_path, int *width, int *height);

/* ---- flagged cells (flags.c) ------------------------------------------------------- */
/* The section listing cells whose loss did not fall (nothing when none). */
void rp_flags_section(const rp_results *res, rp_buf *md, rp_buf *html);

#endif

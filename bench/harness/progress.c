/* Progress of an alcnbench run on stderr: the cell (k of n), per-epoch loss,
 * images/s and the ETA of the cell and of the plan. On a terminal one line
 * is redrawn in place (\r, at most 5 times a second); otherwise plain lines,
 * one per epoch and per cell. --quiet prints nothing. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "alcn/clock.h"
#include "bench.h"

static void fmt_dur(char *buf, size_t cap, double s) {
  if (!isfinite(s) || s < 0) {
    snprintf(buf, cap, "?");
    return;
  }
  long t = (long)(s + 0.5);
  if (t >= 3600) snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

void ab_progress_init(ab_progress *p, int quiet, int plan_n) {
  *p = (ab_progress){0};
  p->quiet = quiet;
  p->tty = isatty(2);
  p->plan_n = plan_n;
}

/* Seconds left in the current cell, from the epochs and images done so far. */
static double cell_left(const ab_progress *p, double now) {
  double frac = 0.0;
  if (p->epochs > 0 && p->images_per_epoch > 0)
    frac = ((double)(p->epoch - 1) + (double)p->images / (double)p->images_per_epoch) / (double)p->epochs;
  if (frac <= 0.0) return NAN;
  double el = now - p->cell_t0;
  return el / frac - el;
}

static double plan_left(const ab_progress *p, double now) {
  double per_cell = p->cells_timed ? p->cells_seconds / p->cells_timed : NAN;
  double cur = cell_left(p, now);
  if (!isfinite(per_cell)) {
    double frac_el = now - p->cell_t0;
    if (isfinite(cur)) per_cell = frac_el + cur;
  }
  return (isfinite(cur) ? cur : per_cell) + per_cell * (double)(p->plan_n - p->plan_k);
}

static void clear_line(ab_progress *p) {
  if (p->tty && p->last_draw > 0) fprintf(stderr, "\r\033[K");
}

void ab_progress_cell_begin(ab_progress *p, int k, const char *cell_id, int epochs, long images_per_epoch) {
  p->plan_k = k;
  p->cell_id = cell_id;
  p->epochs = epochs;
  p->images_per_epoch = images_per_epoch;
  p->epoch = 0;
  p->images = 0;
  p->cell_t0 = alcn_clock_s();
  p->last_draw = 0;
  if (p->quiet) return;
  fprintf(stderr, "[cell %d/%d] %s (%d epochs)\n", k, p->plan_n, cell_id, epochs);
}

void ab_progress_epoch_begin(ab_progress *p, int epoch) {
  p->epoch = epoch;
  p->images = 0;
  p->epoch_t0 = alcn_clock_s();
}

void ab_progress_images(ab_progress *p, long images) {
  p->images = images;
  if (p->quiet || !p->tty) return;
  double now = alcn_clock_s();
  if (now - p->last_draw < 0.2) return;
  p->last_draw = now;
  double el = now - p->epoch_t0;
  char ec[32], ep[32];
  fmt_dur(ec, sizeof ec, cell_left(p, now));
  fmt_dur(ep, sizeof ep, plan_left(p, now));
  fprintf(stderr, "\r\033[K[cell %d/%d] epoch %d/%d %3.0f%%  %.0f img/s  ETA cell %s  plan %s", p->plan_k, p->plan_n,
          p->epoch, p->epochs, p->images_per_epoch ? 100.0 * (double)images / (double)p->images_per_epoch : 0.0,
          el > 0 ? (double)images / el : 0.0, ec, ep);
  fflush(stderr);
}

void ab_progress_epoch_end(ab_progress *p, double loss, double aux_loss, long images) {
  p->images = p->images_per_epoch;
  if (p->quiet) return;
  double now = alcn_clock_s();
  double el = now - p->epoch_t0;
  char ec[32], ep[32], aux[48] = "";
  fmt_dur(ec, sizeof ec, cell_left(p, now));
  fmt_dur(ep, sizeof ep, plan_left(p, now));
  if (!isnan(aux_loss)) snprintf(aux, sizeof aux, "  aux %.6g", aux_loss);
  clear_line(p);
  fprintf(stderr, "[cell %d/%d] epoch %d/%d  loss %.6g%s  %.0f img/s  ETA cell %s  plan %s\n", p->plan_k, p->plan_n,
          p->epoch, p->epochs, loss, aux, el > 0 ? (double)images / el : 0.0, ec, ep);
  p->last_draw = 0;
}

void ab_progress_note(ab_progress *p, const char *fmt, ...) {
  if (p->quiet) return;
  clear_line(p);
  p->last_draw = 0;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void ab_progress_cell_end(ab_progress *p, int done, double auroc, const char *reason) {
  double el = alcn_clock_s() - p->cell_t0;
  p->cells_timed++;
  p->cells_seconds += el;
  if (p->quiet) return;
  char d[32], ep[32];
  fmt_dur(d, sizeof d, el);
  fmt_dur(ep, sizeof ep, p->cells_seconds / p->cells_timed * (double)(p->plan_n - p->plan_k));
  clear_line(p);
  p->last_draw = 0;
  if (done)
    fprintf(stderr, "[cell %d/%d] %s done in %s: AUROC %.4f  (plan ETA %s)\n", p->plan_k, p->plan_n, p->cell_id, d,
            auroc, ep);
  else
    fprintf(stderr, "[cell %d/%d] %s FAILED after %s: %s\n", p->plan_k, p->plan_n, p->cell_id, d, reason);
}

/* The four timed cases of step_cases.h, through the plugins' own functions
 * (no second copy of Algorithm 1 here). */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include "step_cases.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alcn/clock.h"
#include "alcn/rng.h"
#include "timing.h"

static alcn_status dae_train(step_bench *b) {
  alcn_step_stats st;
  ALCN_CHECK(b->dae->train_step(b->plain, b->x, b->B, b->step_plain++, &st));
  b->last_loss = st.loss;
  return ALCN_OK;
}

static alcn_status alcn_train(step_bench *b) {
  alcn_step_stats st;
  ALCN_CHECK(b->dae->train_step(b->alcn, b->x, b->B, b->step_alcn++, &st));
  b->last_loss = st.loss;
  return ALCN_OK;
}

static alcn_status infer_dae(step_bench *b) { return b->dae->score(b->plain, b->x, b->B, b->scores); }

static alcn_status infer_alcn(step_bench *b) { return b->dae->score_with_noise(b->alcn, b->x, b->B, b->scores); }

const char *const SB_CASES[SB_NCASES] = {"dae_train", "alcn_train", "infer_dae", "infer_alcn"};
const step_case_fn SB_CASE_FN[SB_NCASES] = {dae_train, alcn_train, infer_dae, infer_alcn};

static alcn_status make(step_bench *b, const char *noise_id, alcn_loss_kind loss, void **state) {
  const alcn_noise_desc *nd = alcn_registry_noise(&b->reg, noise_id, NULL);
  if (!nd) ALCN_FAIL(ALCN_ERR_NOT_FOUND, "noise plugin '%s' not found (hint: build the plugins or set ALCN_PLUGIN_DIR)",
                     noise_id);
  alcn_method_config mc;
  memset(&mc, 0, sizeof mc);
  mc.size = sizeof mc;
  mc.C = b->C;
  mc.H = b->H;
  mc.W = b->W;
  mc.max_batch = b->B;
  mc.loss.kind = loss;
  mc.loss.ffl_alpha = 1.0f;
  mc.noise = nd;
  alcn_ctx ctx = {sizeof ctx, b->be, 1, 1};
  return b->dae->create(&mc, &ctx, state);
}

alcn_status sb_setup(step_bench *b, alcn_backend *be, int B, int S, alcn_loss_kind loss) {
  memset(b, 0, sizeof *b);
  b->B = B;
  b->C = 1;
  b->H = b->W = S;
  ALCN_CHECK(alcn_registry_load(&b->reg, NULL, 0, 1));
  b->be = be;
  if (!(b->dae = alcn_registry_method(&b->reg, "dae", NULL)))
    ALCN_FAIL(ALCN_ERR_NOT_FOUND, "method plugin 'dae' not found (hint: build the plugins or set ALCN_PLUGIN_DIR)");
  ALCN_CHECK(make(b, "none", loss, &b->plain));
  ALCN_CHECK(make(b, "alcn", loss, &b->alcn));
  const size_t img = (size_t)B * b->C * b->H * b->W * sizeof(float);
  b->x = alcn_backend_alloc(be, img);
  b->scores = alcn_backend_alloc(be, (size_t)B * sizeof(float));
  if (!b->x || !b->scores) ALCN_FAIL(ALCN_ERR_NOMEM, "out of %s memory for batch %d", alcn_backend_name(be), B);
  float *h = malloc(img);
  ALCN_CHECK_ALLOC(h, img);
  alcn_rng_uniform(h, img / sizeof(float), 7, 0, 0.0f, 1.0f); /* uniform pixels, as the peer's make_batch */
  alcn_status st = alcn_upload(be, b->x, h, img);
  free(h);
  return st;
}

void sb_teardown(step_bench *b) {
  if (b->dae) {
    if (b->plain) b->dae->destroy(b->plain);
    if (b->alcn) b->dae->destroy(b->alcn);
  }
  if (b->be) {
    alcn_backend_free(b->be, b->x);
    alcn_backend_free(b->be, b->scores);
  }
  alcn_registry_free(&b->reg);
  memset(b, 0, sizeof *b);
}

typedef struct sb_once {
  step_bench *b;
  step_case_fn fn;
} sb_once;

static alcn_status run_once(void *ctx) {
  const sb_once *q = ctx;
  return q->fn(q->b);
}

/* median / min / max seconds of fn over iters runs after warmup runs. */
alcn_status sb_time_case(step_bench *b, step_case_fn fn, int iters, int warmup, double *med, double *mn, double *mx) {
  sb_once q = {b, fn};
  bt_stats t;
  ALCN_CHECK(bt_time_case(b->be, run_once, &q, iters, warmup, &t));
  *med = t.med_ms * 1e-3;
  *mn = t.min_ms * 1e-3;
  *mx = t.max_ms * 1e-3;
  return ALCN_OK;
}

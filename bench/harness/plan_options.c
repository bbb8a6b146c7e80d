/* Plan-time checks of plugin options: every --opt / --noise-opt (and config
 * section) of every method and noise spec of the plan is parsed against the
 * plugin's option table before any cell runs, so a typo or an out-of-range
 * value stops the run at once with the valid keys or range. */
#include <string.h>

#include "alcn/options.h"
#include "bench.h"

/* Options given with a prefix that names no loaded plugin ("dea:lr=1"), or
 * a variant ("toy@x:") that the plan does not define (variants exist only in
 * a plan). A plain plugin id that this plan does not use is fine: a config
 * file may hold sections for every noise while --noise picks some. */
static alcn_status check_prefixes(const ab_list *opts, const ab_list *specs, const alcn_registry *reg, int noise,
                                  const char *flag) {
  for (int i = 0; i < opts->n; ++i) {
    const char *it = opts->v[i], *eq = strchr(it, '='), *colon = strchr(it, ':');
    if (!colon || (eq && colon > eq)) continue;
    const char *at = strchr(it, '@');
    if (at && at < colon) {
      int in_plan = 0;
      for (int k = 0; k < specs->n; ++k)
        in_plan |= strlen(specs->v[k]) == (size_t)(colon - it) && !strncmp(specs->v[k], it, (size_t)(colon - it));
      if (!in_plan)
        ALCN_FAIL(ALCN_ERR_ARG, "%s %s: '%.*s' is not a %s of this plan (hint: check the variant's name)", flag, it,
                  (int)(colon - it), it, noise ? "noise" : "method");
      continue;
    }
    char id[128];
    size_t pl = ab_spec_id_len(it);
    if ((size_t)(colon - it) < pl) pl = (size_t)(colon - it);
    snprintf(id, sizeof id, "%.*s", (int)pl, it);
    int known = noise ? alcn_registry_noise(reg, id, NULL) != NULL : alcn_registry_method(reg, id, NULL) != NULL;
    if (!known) {
      char ids[1024];
      ALCN_FAIL(ALCN_ERR_ARG, "%s %s: '%s' is not a %s plugin (valid: %s)", flag, it, id, noise ? "noise" : "method",
                noise ? alcn_registry_noise_ids(reg, ids, sizeof ids) : alcn_registry_method_ids(reg, ids, sizeof ids));
    }
  }
  return ALCN_OK;
}

alcn_status ab_plan_check_options(const ab_config *c, const alcn_registry *reg) {
  ALCN_CHECK(check_prefixes(&c->method_opts, &c->methods, reg, 0, "--opt"));
  ALCN_CHECK(check_prefixes(&c->noise_opts, &c->noises, reg, 1, "--noise-opt"));
  const char *items[256];
  char id[128], owner[200];
  for (int i = 0; i < c->methods.n; ++i) {
    const char *spec = c->methods.v[i];
    if (!strcmp(spec, "all")) continue;
    const alcn_method_desc *md = alcn_registry_method(reg, ab_spec_id(spec, id, sizeof id), NULL);
    if (!md) continue; /* ab_plan_build names unknown plugins */
    alcn_opts o = {items, ab_opts_for(&c->method_opts, spec, items, 256)};
    snprintf(owner, sizeof owner, "--opt for method %s", spec);
    ALCN_CHECK(alcn_options_validate(md->options, &o, owner));
  }
  int hosts = 0; /* noises are used only when a method of the plan hosts one */
  for (int i = 0; i < c->methods.n; ++i) {
    const alcn_method_desc *md = alcn_registry_method(reg, ab_spec_id(c->methods.v[i], id, sizeof id), NULL);
    hosts |= !strcmp(c->methods.v[i], "all") || (md && md->hosts_noise);
  }
  for (int i = 0; hosts && i < c->noises.n; ++i) {
    const char *spec = c->noises.v[i];
    if (!strcmp(spec, "all")) continue;
    const alcn_noise_desc *nd = alcn_registry_noise(reg, ab_spec_id(spec, id, sizeof id), NULL);
    if (!nd) continue;
    alcn_opts o = {items, ab_opts_for(&c->noise_opts, spec, items, 256)};
    snprintf(owner, sizeof owner, "--noise-opt for noise %s", spec);
    ALCN_CHECK(alcn_options_validate(nd->options, &o, owner));
  }
  return ALCN_OK;
}

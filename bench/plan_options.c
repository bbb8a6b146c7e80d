/* Plan-time checks of plugin options: every --opt / --noise-opt (and config
 * section) of every method and noise spec of the plan is parsed against the
 * plugin's option table before any cell runs, so a typo or an out-of-range
 * value stops the run at once with the valid keys or range. */
#include <string.h>

#include "alcn/options.h"
#include "bench.h"

/* Options given with a prefix that names no plugin of the plan ("dea:lr=1"). */
static alcn_status check_prefixes(const ab_list *opts, const ab_list *specs, const char *flag) {
  for (int i = 0; i < opts->n; ++i) {
    const char *it = opts->v[i], *eq = strchr(it, '='), *colon = strchr(it, ':');
    if (!colon || (eq && colon > eq)) continue;
    size_t pl = (size_t)(colon - it);
    int known = 0;
    for (int k = 0; k < specs->n && !known; ++k) {
      const char *sp = specs->v[k];
      known = (strlen(sp) == pl && !strncmp(sp, it, pl)) || (ab_spec_id_len(sp) == pl && !strncmp(sp, it, pl));
    }
    if (!known)
      ALCN_FAIL(ALCN_ERR_ARG, "%s %s: '%.*s' is not a %s of this plan (hint: check the name before ':')", flag, it,
                (int)pl, it, flag[2] == 'o' ? "method" : "noise");
  }
  return ALCN_OK;
}

alcn_status ab_plan_check_options(const ab_config *c, const alcn_registry *reg) {
  ALCN_CHECK(check_prefixes(&c->method_opts, &c->methods, "--opt"));
  ALCN_CHECK(check_prefixes(&c->noise_opts, &c->noises, "--noise-opt"));
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

/* Display labels of cells from the descriptors' labels (alcn/labels.h). */
#include <stdio.h>
#include <string.h>

#include "alcn/labels.h"

void alcn_label_compose(char *dst, size_t cap, const char *method_label, const char *noise_id,
                        const char *noise_label) {
  if (!cap) return;
  if (!method_label || !*method_label) method_label = "?";
  const int none = !noise_id || !*noise_id || !strcmp(noise_id, "none") || !strncmp(noise_id, "none@", 5) ||
                   !noise_label || !*noise_label || !strcmp(noise_label, "none");
  if (none) snprintf(dst, cap, "%s", method_label);
  else snprintf(dst, cap, "%s+%s", method_label, noise_label);
}

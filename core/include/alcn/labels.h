/* Display labels of cells, from the plugin descriptors' `label` fields
 * (libalcn_host; not part of the plugin SDK): the one rule that the records,
 * the report and `alcnbench table5` share. */
#ifndef ALCN_LABELS_H
#define ALCN_LABELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "DAE+ALCN": the method's label, then "+" and the noise's label unless the
 * noise is none (noise_id NULL, "" or "none", or noise_label NULL or "none");
 * a NULL method_label stands as "?". */
void alcn_label_compose(char *dst, size_t cap, const char *method_label, const char *noise_id,
                        const char *noise_label);

#ifdef __cplusplus
}
#endif
#endif

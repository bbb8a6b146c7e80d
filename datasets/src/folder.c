/* Folder data sets (MVTec AD, PlantVillage, generic): not yet implemented. */
#include "ds_internal.h"

alcn_status alcn_ds_load_folder(alcn_dataset *ds, const char *name, const alcn_dataset_opts *o) {
  ALCN_FAIL(ALCN_ERR_UNSUPPORTED, "%s: folder data sets are not implemented yet", name);
}
alcn_status alcn_ds_classes_folder(alcn_class_list *out, const char *name, const alcn_dataset_opts *o) {
  ALCN_FAIL(ALCN_ERR_UNSUPPORTED, "%s: folder data sets are not implemented yet", name);
}
alcn_status alcn_ds_folder_hash(const char *name, const alcn_dataset_opts *o, uint64_t *h) {
  ALCN_FAIL(ALCN_ERR_UNSUPPORTED, "%s: folder data sets are not implemented yet", name);
}

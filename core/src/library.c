/* Library-wide facts about this build (which backends were compiled in). */
#include "alcn/build_info.h"

int alcn_built_with_cuda(void) {
#ifdef ALCN_HAVE_CUDA
  return 1;
#else
  return 0;
#endif
}

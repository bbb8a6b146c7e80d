/* Library version and the git revision it was built from. */
#ifndef ALCN_VERSION_H
#define ALCN_VERSION_H

#include "alcn/export.h"
#ifdef __cplusplus
extern "C" {
#endif
ALCN_API const char *alcn_version(void);      /* "0.1.0" */
ALCN_API const char *alcn_git_revision(void); /* short hash or "unknown" */
#ifdef __cplusplus
}
#endif
#endif

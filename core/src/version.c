/* Version strings baked in at configure time. */
#include "alcn/version.h"

#ifndef ALCN_VERSION_STRING
#define ALCN_VERSION_STRING "0.0.0"
#endif
#ifndef ALCN_GIT_REV
#define ALCN_GIT_REV "unknown"
#endif

const char *alcn_version(void) { return ALCN_VERSION_STRING; }
const char *alcn_git_revision(void) { return ALCN_GIT_REV; }

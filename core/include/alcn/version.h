/* Library version and the git revision it was built from. */
#ifndef ALCN_VERSION_H
#define ALCN_VERSION_H
#ifdef __cplusplus
extern "C" {
#endif
const char *alcn_version(void);      /* "0.1.0" */
const char *alcn_git_revision(void); /* short hash or "unknown" */
#ifdef __cplusplus
}
#endif
#endif

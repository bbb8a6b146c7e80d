/* Which optional parts this build of libalcn contains. */
#ifndef ALCN_BUILD_INFO_H
#define ALCN_BUILD_INFO_H
#ifdef __cplusplus
extern "C" {
#endif
int alcn_built_with_cuda(void); /* 1 when the CUDA backend is compiled in */
#ifdef __cplusplus
}
#endif
#endif

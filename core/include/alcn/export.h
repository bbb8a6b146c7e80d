/* Symbol export for the SDK. libalcn is built with hidden visibility: only
 * declarations marked ALCN_API are part of its ABI (`nm -D libalcn.so`).
 * Plugins mark their descriptor functions ALCN_EXPORT. */
#ifndef ALCN_EXPORT_H
#define ALCN_EXPORT_H

#if defined(__GNUC__)
#define ALCN_API __attribute__((visibility("default")))
#else
#define ALCN_API
#endif
#define ALCN_EXPORT ALCN_API

#endif

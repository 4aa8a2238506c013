// zlib, for the gzip-compressed result streams (turnover.csv.gz). zlib's
// deflateInit2 and inflateInit2 are function-like macros, which Swift does not
// import: static inline functions stand in for them.
#ifndef SPINESIM_CZLIB_SHIM_H
#define SPINESIM_CZLIB_SHIM_H

#include <zlib.h>

// A deflate stream that writes one gzip member (RFC 1952; windowBits 15 + 16).
// Without deflateSetHeader, zlib's gzip header has no file name, no comment
// and a modification time of 0, so the same input and level give the same bytes.
static inline int czlib_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

// An inflate stream that reads gzip members (windowBits 15 + 16: gzip only).
static inline int czlib_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif

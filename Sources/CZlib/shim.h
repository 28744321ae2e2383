#ifndef SHOTVAE_CZLIB_SHIM_H
#define SHOTVAE_CZLIB_SHIM_H
#include <zlib.h>
#endif

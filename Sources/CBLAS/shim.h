#ifndef SHOTVAE_CBLAS_SHIM_H
#define SHOTVAE_CBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif

#ifndef DREAM_CNUMA_SHIM_H
#define DREAM_CNUMA_SHIM_H
#include <numa.h>
#endif

#ifndef DREAM_CHWLOC_SHIM_H
#define DREAM_CHWLOC_SHIM_H
#include <hwloc.h>
#endif

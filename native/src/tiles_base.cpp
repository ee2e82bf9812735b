// Baseline (x86-64-v2 / any target) build of the tile kernels.
#define COSEG_ISA_NS isa_base
#include "tiles.inc"

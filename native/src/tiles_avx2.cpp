// AVX2 + FMA build of the tile kernels (compiled with -mavx2 -mfma; only called after a runtime CPU check).
#define COSEG_ISA_NS isa_avx2
#include "tiles.inc"

// Shared macros for the header-only per-Gaussian / per-pixel maths (usable from C++ and CUDA).
#pragma once
#include <math.h>
#include <stdint.h>

#if defined(__CUDACC__)
#define COSEG_HD __host__ __device__
#else
#define COSEG_HD
#endif

// static: every translation unit (including the AVX2 one) gets its own copy, so code compiled with
// different instruction sets can never be merged by the linker.
#define COSEG_FN COSEG_HD static inline

namespace coseg {

constexpr int kTile = 16;              // tile edge in pixels
constexpr int kTilePixels = kTile * kTile;
constexpr float kMinAlpha = 1.0f / 255.0f;
constexpr float kMaxAlpha = 0.99f;
constexpr float kMinTransmittance = 1e-4f;

struct Vec3 { float x, y, z; };

COSEG_FN float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }
COSEG_FN int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace coseg

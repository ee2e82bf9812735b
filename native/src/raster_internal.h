// Internal data shared by the orchestration code (api.cpp) and the per-ISA tile kernels (tiles_*.cpp).
// Plain structs only: the AVX2 translation unit must not instantiate any STL template.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace coseg {

/// One visible Gaussian after projection, packed for the tile loops.
struct Splat {
    float mx, my;        // mean2d
    float ca, cb, cc;    // conic
    float op;            // opacity
    float z;             // depth
    float ex, ey;        // half-extent (px) of the region where alpha can reach 1/255 (conservative)
    uint32_t id;         // Gaussian index
    uint32_t slot;       // in sorted copies: index of this (Gaussian, tile) pair in Gaussian-major order
    float lmin;          // conservative ln(kMinAlpha / op): a pixel whose power is below it cannot reach alpha 1/255
};

/// Read-only description of one rasterization call, as the tile kernels see it.
struct TileArgs {
    int width, height, tilesX, tilesY, channels;
    const Splat* splats;        // indexed by Gaussian id
    const float* colors;        // N x C
    const uint32_t* sorted;     // sorted Gaussian ids (per tile, front to back)
    const Splat* sortedSplats;  // the same, as packed splat copies
    const uint32_t* tileStart;  // tiles + 1 offsets into sorted
    const float* background;    // C or null
    // forward outputs / saved state
    float* outColors;           // H x W x C
    float* outAlpha;            // H x W
    float* outDepth;            // H x W
    float* finalT;              // H x W
    int32_t* lastIdx;           // H x W: 1 + tile-list position of the last blended Gaussian (0 = none)
    // backward inputs
    const float* gradColors;    // H x W x C
    const float* gradAlpha;     // H x W or null
    const float* gradDepth;     // H x W or null
    // unprojection input
    const float* pixelFeatures; // H x W x C
    // per sorted-pair accumulators (backward: 7 + C floats, unproject: C + 1 floats)
    float* pairAcc;
    // top-contributor outputs (H x W)
    int32_t* topIndex;
    float* topWeight;
};

/// Scratch floats one thread needs for a tile with C channels.
inline size_t tile_scratch_floats(int channels) { return (size_t)(3 * channels + 24) * 256 + 64; }

#define COSEG_DECLARE_TILE_KERNELS(ns)                                          \
    namespace ns {                                                              \
    void forward_tile(const TileArgs& a, int tile, float* scratch);             \
    void backward_tile(const TileArgs& a, int tile, float* scratch);            \
    void unproject_tile(const TileArgs& a, int tile, float* scratch);           \
    void top_contributor_tile(const TileArgs& a, int tile, float* scratch);     \
    }

COSEG_DECLARE_TILE_KERNELS(isa_avx2)
COSEG_DECLARE_TILE_KERNELS(isa_base)

}  // namespace coseg

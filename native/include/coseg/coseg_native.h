// C ABI of libcoseg_native: a CPU tile rasterizer for 3D Gaussian splatting (see docs/rasterizer.md).
// Thread safety: no global mutable state. A context owns scratch memory and must be used by one thread at a time;
// a state holds what one forward call saved for its backward pass. Return codes: 0 = ok, negative = error.
#pragma once
#include <stdint.h>
#include "camera.h"

#ifdef __cplusplus
extern "C" {
#endif

#define COSEG_OK 0
#define COSEG_ERR_ARGUMENT (-1)
#define COSEG_ERR_MEMORY (-2)
#define COSEG_ERR_TOO_MANY_PAIRS (-3)
#define COSEG_ERR_STATE (-4)
#define COSEG_ERR_NONFINITE_MEANS (-10)
#define COSEG_ERR_NONFINITE_SCALES (-11)
#define COSEG_ERR_NONFINITE_QUATS (-12)
#define COSEG_ERR_NONFINITE_OPACITIES (-13)
#define COSEG_ERR_NONFINITE_COLORS (-14)
#define COSEG_ERR_NONFINITE_FEATURES (-15)

#define COSEG_CTX_FORCE_BASELINE 1  /* flag: never use the AVX2 kernels */

typedef struct coseg_context coseg_context;
typedef struct coseg_state coseg_state;

/// ABI version (bumped on any signature change).
int coseg_abi_version(void);
/// Creates a context. threads <= 0: OpenMP default. Returns null on allocation failure.
coseg_context* coseg_context_create(int threads, int flags);
void coseg_context_destroy(coseg_context* ctx);
/// 1 when the context runs the AVX2/FMA kernels, 0 for the baseline kernels.
int coseg_context_uses_avx2(const coseg_context* ctx);

coseg_state* coseg_state_create(void);
void coseg_state_destroy(coseg_state* state);

/// Forward pass. Inputs: means N*3, scales N*3 (exp'd), quats N*4 (w,x,y,z), opacities N (sigmoid'd), colors N*C,
/// background C or null. Outputs: out_colors H*W*C, out_alpha H*W, out_depth H*W, out_radii N. Saves into state.
int coseg_forward(coseg_context* ctx, coseg_state* state, const coseg_camera* cam, int64_t n, int channels,
                  const float* means, const float* scales, const float* quats, const float* opacities,
                  const float* colors, const float* background, float* out_colors, float* out_alpha,
                  float* out_depth, int32_t* out_radii);

/// Backward pass for the forward call that filled state (same inputs). grad_alpha / grad_depth may be null.
/// Outputs (overwritten): g_means N*3, g_scales N*3, g_quats N*4, g_opacities N, g_colors N*C, g_means2d N*2.
int coseg_backward(coseg_context* ctx, const coseg_state* state, const coseg_camera* cam, int64_t n, int channels,
                   const float* means, const float* scales, const float* quats, const float* opacities,
                   const float* colors, const float* background, const float* grad_colors, const float* grad_alpha,
                   const float* grad_depth, float* g_means, float* g_scales, float* g_quats, float* g_opacities,
                   float* g_colors, float* g_means2d);

/// Frozen-geometry backward for the forward call that filled state: g_colors[g] = sum_p w_gp grad_colors_p (N*C,
/// overwritten), the gradient w.r.t. the blended channels only (no geometry gradients, no re-projection).
int coseg_backward_channels(coseg_context* ctx, const coseg_state* state, const coseg_camera* cam, int64_t n, int channels,
                            const float* grad_colors, float* g_colors);

/// Feature unprojection: feature_sums[g] += sum_p w_gp F_p (N*C), weight_sums[g] += sum_p w_gp (N).
/// channels may be 0 (pixel_features and feature_sums null): only the weights, i.e. the visible set.
int coseg_unproject(coseg_context* ctx, const coseg_camera* cam, int64_t n, int channels, const float* means,
                    const float* scales, const float* quats, const float* opacities, const float* pixel_features,
                    float* feature_sums, float* weight_sums);

/// SH colours: sh is N*K*3 (K coefficients per Gaussian, K >= (degree+1)^2), campos 3, out_rgb N*3.
int coseg_sh_forward(int threads, int64_t n, int k, int degree, const float* means, const float* sh,
                     const float* campos, float* out_rgb);
/// SH backward: writes g_sh N*K*3 (zeros beyond the degree) and g_means N*3 (overwritten).
int coseg_sh_backward(int threads, int64_t n, int k, int degree, const float* means, const float* sh,
                      const float* campos, const float* grad_rgb, float* g_sh, float* g_means);

#ifdef __cplusplus
}
#endif

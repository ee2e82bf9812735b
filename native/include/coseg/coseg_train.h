// C ABI of the training kernels of libcoseg_native (used by CoSeg.Reconstruction): the fused Adam step over all
// Gaussian parameter groups, the fused L1 + SSIM loss with its image gradient, and the SH backward that writes
// only the active coefficients and accumulates into the means gradient. Return codes as in coseg_native.h.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One parameter group of the fused Adam step: `rows` rows of `row_len` floats (param, grad, m, v share the layout);
/// the first `active_len` floats of every row are updated, the rest left alone. Columns < rest_from use `lr`, the
/// others `lr_rest` (the SH DC / higher-band split). A plain tensor is one row of all its floats.
typedef struct coseg_adam_group {
    float* param;
    const float* grad;
    float* m;
    float* v;
    int64_t rows;
    int32_t row_len;
    int32_t active_len;
    int32_t rest_from;
    float lr;
    float lr_rest;
    int32_t pad;
} coseg_adam_group;

/// torch.optim.Adam (no weight decay, no amsgrad) for `count` groups at step `step` (1-based), in one pass each:
/// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps).
int coseg_adam_step(const coseg_adam_group* groups, int count, int64_t step, double beta1, double beta2, double eps,
                    int threads);

/// Fused photometric loss of an H x W x C image (interleaved channels): L = (1-lambda) L1 + lambda (1 - SSIM), SSIM
/// with the reference 11x11 Gaussian window (sigma 1.5, zero padding, C1 = 0.01^2, C2 = 0.03^2), means over all
/// H*W*C values. Writes dL/dpred (H*W*C) into grad (may be null) and out[0..3] = loss, L1, SSIM, MSE.
int coseg_l1_ssim(int height, int width, int channels, const float* pred, const float* target, double lambda,
                  float* grad, double* out, int threads);

/// SH backward for training: writes dL/dsh for the first (degree+1)^2 coefficients of every row of g_sh (N*K*3;
/// the other coefficients are not touched) and adds dL/dmean into g_means (N*3).
int coseg_sh_backward_add(int threads, int64_t n, int k, int degree, const float* means, const float* sh,
                          const float* campos, const float* grad_rgb, float* g_sh, float* g_means);

#ifdef __cplusplus
}
#endif

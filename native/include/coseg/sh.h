// Real spherical-harmonics colour evaluation (degree 0-3, the constants and sign conventions of Inria's 3DGS)
// and its backward pass. colour = max(sum_k sh_k * basis_k(dir) + 0.5, 0), dir = normalize(mean - camera centre).
#pragma once
#include "common.h"

namespace coseg {

constexpr float kShC0 = 0.28209479177387814f;
constexpr float kShC1 = 0.4886025119029199f;
constexpr float kShC2[5] = {1.0925484305920792f, -1.0925484305920792f, 0.31539156525252005f, -1.0925484305920792f,
                            0.5462742152960396f};
constexpr float kShC3[7] = {-0.5900435899266435f, 2.890611442640554f, -0.4570457994644658f, 0.3731763325901154f,
                            -0.4570457994644658f, 1.445305721320277f, -0.5900435899266435f};

/// Basis values for a unit direction; fills (degree+1)^2 entries.
COSEG_FN void sh_basis(int degree, float x, float y, float z, float* b) {
    b[0] = kShC0;
    if (degree < 1) return;
    b[1] = -kShC1 * y; b[2] = kShC1 * z; b[3] = -kShC1 * x;
    if (degree < 2) return;
    const float xx = x * x, yy = y * y, zz = z * z;
    b[4] = kShC2[0] * x * y; b[5] = kShC2[1] * y * z; b[6] = kShC2[2] * (2.f * zz - xx - yy);
    b[7] = kShC2[3] * x * z; b[8] = kShC2[4] * (xx - yy);
    if (degree < 3) return;
    b[9] = kShC3[0] * y * (3.f * xx - yy);
    b[10] = kShC3[1] * x * y * z;
    b[11] = kShC3[2] * y * (4.f * zz - xx - yy);
    b[12] = kShC3[3] * z * (2.f * zz - 3.f * xx - 3.f * yy);
    b[13] = kShC3[4] * x * (4.f * zz - xx - yy);
    b[14] = kShC3[5] * z * (xx - yy);
    b[15] = kShC3[6] * x * (xx - 3.f * yy);
}

/// Derivatives of the basis w.r.t. (x, y, z): d[k*3 + axis].
COSEG_FN void sh_basis_grad(int degree, float x, float y, float z, float* d) {
    for (int i = 0; i < 3 * (degree + 1) * (degree + 1); ++i) d[i] = 0.f;
    if (degree < 1) return;
    d[1 * 3 + 1] = -kShC1; d[2 * 3 + 2] = kShC1; d[3 * 3 + 0] = -kShC1;
    if (degree < 2) return;
    const float xx = x * x, yy = y * y, zz = z * z;
    d[4 * 3 + 0] = kShC2[0] * y; d[4 * 3 + 1] = kShC2[0] * x;
    d[5 * 3 + 1] = kShC2[1] * z; d[5 * 3 + 2] = kShC2[1] * y;
    d[6 * 3 + 0] = -2.f * kShC2[2] * x; d[6 * 3 + 1] = -2.f * kShC2[2] * y; d[6 * 3 + 2] = 4.f * kShC2[2] * z;
    d[7 * 3 + 0] = kShC2[3] * z; d[7 * 3 + 2] = kShC2[3] * x;
    d[8 * 3 + 0] = 2.f * kShC2[4] * x; d[8 * 3 + 1] = -2.f * kShC2[4] * y;
    if (degree < 3) return;
    d[9 * 3 + 0] = kShC3[0] * 6.f * x * y; d[9 * 3 + 1] = kShC3[0] * (3.f * xx - 3.f * yy);
    d[10 * 3 + 0] = kShC3[1] * y * z; d[10 * 3 + 1] = kShC3[1] * x * z; d[10 * 3 + 2] = kShC3[1] * x * y;
    d[11 * 3 + 0] = kShC3[2] * (-2.f * x * y); d[11 * 3 + 1] = kShC3[2] * (4.f * zz - xx - 3.f * yy);
    d[11 * 3 + 2] = kShC3[2] * 8.f * y * z;
    d[12 * 3 + 0] = kShC3[3] * (-6.f * x * z); d[12 * 3 + 1] = kShC3[3] * (-6.f * y * z);
    d[12 * 3 + 2] = kShC3[3] * (6.f * zz - 3.f * xx - 3.f * yy);
    d[13 * 3 + 0] = kShC3[4] * (4.f * zz - 3.f * xx - yy); d[13 * 3 + 1] = kShC3[4] * (-2.f * x * y);
    d[13 * 3 + 2] = kShC3[4] * 8.f * x * z;
    d[14 * 3 + 0] = kShC3[5] * 2.f * x * z; d[14 * 3 + 1] = kShC3[5] * (-2.f * y * z); d[14 * 3 + 2] = kShC3[5] * (xx - yy);
    d[15 * 3 + 0] = kShC3[6] * (3.f * xx - 3.f * yy); d[15 * 3 + 1] = kShC3[6] * (-6.f * x * y);
}

/// Colour of one Gaussian. sh points at K*3 floats (coefficient-major, RGB inner); uses the first (degree+1)^2.
COSEG_FN void sh_eval(int degree, const float* sh, const float* mean, const float* campos, float* rgb) {
    float dx = mean[0] - campos[0], dy = mean[1] - campos[1], dz = mean[2] - campos[2];
    const float len = sqrtf(dx * dx + dy * dy + dz * dz);
    const float inv = len > 0.f ? 1.f / len : 0.f;
    dx *= inv; dy *= inv; dz *= inv;
    float b[16];
    sh_basis(degree, dx, dy, dz, b);
    const int nb = (degree + 1) * (degree + 1);
    for (int ch = 0; ch < 3; ++ch) {
        float s = 0.5f;
        for (int k = 0; k < nb; ++k) s += b[k] * sh[k * 3 + ch];
        rgb[ch] = s > 0.f ? s : 0.f;
    }
}

/// Backward of sh_eval given dL/drgb: writes dL/dsh (first (degree+1)^2 coefficients, others untouched) and adds dL/dmean.
COSEG_FN void sh_eval_backward(int degree, const float* sh, const float* mean, const float* campos, const float* grgb,
                               float* gsh, float* gmean) {
    const float vx = mean[0] - campos[0], vy = mean[1] - campos[1], vz = mean[2] - campos[2];
    const float len = sqrtf(vx * vx + vy * vy + vz * vz);
    if (!(len > 0.f)) return;
    const float inv = 1.f / len;
    const float x = vx * inv, y = vy * inv, z = vz * inv;
    float b[16], db[48];
    sh_basis(degree, x, y, z, b);
    const int nb = (degree + 1) * (degree + 1);
    float g[3];
    for (int ch = 0; ch < 3; ++ch) {
        float s = 0.5f;
        for (int k = 0; k < nb; ++k) s += b[k] * sh[k * 3 + ch];
        g[ch] = s > 0.f ? grgb[ch] : 0.f;   // clamp at 0 has zero gradient
    }
    for (int k = 0; k < nb; ++k)
        for (int ch = 0; ch < 3; ++ch) gsh[k * 3 + ch] = b[k] * g[ch];
    if (degree < 1) return;
    sh_basis_grad(degree, x, y, z, db);
    float gd[3] = {0.f, 0.f, 0.f};
    for (int k = 1; k < nb; ++k) {
        const float w = sh[k * 3] * g[0] + sh[k * 3 + 1] * g[1] + sh[k * 3 + 2] * g[2];
        gd[0] += w * db[k * 3]; gd[1] += w * db[k * 3 + 1]; gd[2] += w * db[k * 3 + 2];
    }
    const float dot = x * gd[0] + y * gd[1] + z * gd[2];
    gmean[0] += (gd[0] - x * dot) * inv;
    gmean[1] += (gd[1] - y * dot) * inv;
    gmean[2] += (gd[2] - z * dot) * inv;
}

}  // namespace coseg

// Per-Gaussian projection (3D Gaussian -> 2D conic, depth, radius, tile rectangle) and its backward pass.
// Exactly the conventions of docs/rasterizer.md.
#pragma once
#include "common.h"
#include "camera.h"

namespace coseg {

/// Projected 2D Gaussian. radius == 0 means culled.
struct Projected {
    float mx, my;          // mean2d in pixels
    float ca, cb, cc;      // conic (inverse 2D covariance): [[ca, cb], [cb, cc]]
    float z;               // camera-space depth
    int radius;
    int x0, y0, x1, y1;    // touched tiles [x0, x1) x [y0, y1)
};

/// Rotation matrix (row-major) of a unit quaternion (w, x, y, z).
COSEG_FN void quat_to_rot(float w, float x, float y, float z, float R[9]) {
    R[0] = 1.f - 2.f * (y * y + z * z); R[1] = 2.f * (x * y - w * z);       R[2] = 2.f * (x * z + w * y);
    R[3] = 2.f * (x * y + w * z);       R[4] = 1.f - 2.f * (x * x + z * z); R[5] = 2.f * (y * z - w * x);
    R[6] = 2.f * (x * z - w * y);       R[7] = 2.f * (y * z + w * x);       R[8] = 1.f - 2.f * (x * x + y * y);
}

/// out = A * B for 3x3 row-major matrices.
COSEG_FN void mat3_mul(const float A[9], const float B[9], float out[9]) {
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            out[i * 3 + j] = A[i * 3] * B[j] + A[i * 3 + 1] * B[3 + j] + A[i * 3 + 2] * B[6 + j];
}
/// out = A * B^T.
COSEG_FN void mat3_mul_bt(const float A[9], const float B[9], float out[9]) {
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            out[i * 3 + j] = A[i * 3] * B[j * 3] + A[i * 3 + 1] * B[j * 3 + 1] + A[i * 3 + 2] * B[j * 3 + 2];
}
/// out = A^T * B.
COSEG_FN void mat3_mul_at(const float A[9], const float B[9], float out[9]) {
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            out[i * 3 + j] = A[i] * B[j] + A[3 + i] * B[3 + j] + A[6 + i] * B[6 + j];
}

/// Camera-space covariance R * (Rq S)(Rq S)^T * R^T and the pieces the backward pass needs.
COSEG_FN void cov_cam(const float* s, const float qn[4], const float* view, float M[9], float W[9]) {
    float Rq[9];
    quat_to_rot(qn[0], qn[1], qn[2], qn[3], Rq);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) M[i * 3 + j] = Rq[i * 3 + j] * s[j];
    float Sig[9], V[9] = {view[0], view[1], view[2], view[4], view[5], view[6], view[8], view[9], view[10]}, T[9];
    mat3_mul_bt(M, M, Sig);
    mat3_mul(V, Sig, T);
    mat3_mul_bt(T, V, W);
}

/// Clamped perspective Jacobian row entries: J = [[j00, 0, j02], [0, j11, j12]].
struct Jacobian { float j00, j02, j11, j12; bool clampx, clampy; float tx, ty; };

COSEG_FN Jacobian persp_jacobian(const coseg_camera& cam, float px, float py, float z) {
    const float limxp = cam.lim_xp, limxn = cam.lim_xn, limyp = cam.lim_yp, limyn = cam.lim_yn;
    const float rx = px / z, ry = py / z;
    Jacobian J;
    J.clampx = !(rx <= limxp && rx >= -limxn);
    J.clampy = !(ry <= limyp && ry >= -limyn);
    J.tx = z * clampf(rx, -limxn, limxp);
    J.ty = z * clampf(ry, -limyn, limyp);
    J.j00 = cam.fx / z; J.j02 = -cam.fx * J.tx / (z * z);
    J.j11 = cam.fy / z; J.j12 = -cam.fy * J.ty / (z * z);
    return J;
}

/// 2D covariance (a, b, c) = J W J^T + eps I.
COSEG_FN void cov2d(const Jacobian& J, const float W[9], float eps, float& a, float& b, float& c) {
    // rows of J: r0 = (j00, 0, j02), r1 = (0, j11, j12)
    const float w0x = J.j00 * W[0] + J.j02 * W[6], w0y = J.j00 * W[1] + J.j02 * W[7], w0z = J.j00 * W[2] + J.j02 * W[8];
    const float w1y = J.j11 * W[4] + J.j12 * W[7], w1z = J.j11 * W[5] + J.j12 * W[8];
    a = w0x * J.j00 + w0z * J.j02 + eps;
    b = w0y * J.j11 + w0z * J.j12;
    c = w1y * J.j11 + w1z * J.j12 + eps;
}

/// Forward projection of one Gaussian. Returns false (and radius 0) when culled.
COSEG_FN bool project_gaussian(const coseg_camera& cam, const float* mean, const float* scale, const float* quat,
                               int tilesX, int tilesY, Projected& out) {
    out.radius = 0; out.x0 = out.y0 = out.x1 = out.y1 = 0;
    out.mx = out.my = out.ca = out.cb = out.cc = out.z = 0.f;
    const float* v = cam.viewmat;
    const float px = v[0] * mean[0] + v[1] * mean[1] + v[2] * mean[2] + v[3];
    const float py = v[4] * mean[0] + v[5] * mean[1] + v[6] * mean[2] + v[7];
    const float z = v[8] * mean[0] + v[9] * mean[1] + v[10] * mean[2] + v[11];
    if (!(z > cam.near_plane) || !(z < cam.far_plane)) return false;
    const float qlen = sqrtf(quat[0] * quat[0] + quat[1] * quat[1] + quat[2] * quat[2] + quat[3] * quat[3]);
    if (!(qlen > 0.f)) return false;
    const float qn[4] = {quat[0] / qlen, quat[1] / qlen, quat[2] / qlen, quat[3] / qlen};
    float M[9], W[9];
    cov_cam(scale, qn, v, M, W);
    const Jacobian J = persp_jacobian(cam, px, py, z);
    float a, b, c;
    cov2d(J, W, cam.low_pass, a, b, c);
    const float det = a * c - b * b;
    if (!(det > 0.f)) return false;
    const float mx = cam.fx * px / z + cam.cx, my = cam.fy * py / z + cam.cy;
    const float m = 0.5f * (a + c);
    const float d = m * m - det;
    const float lambda = m + sqrtf(d > 0.1f ? d : 0.1f);
    const float r = ceilf(3.f * sqrtf(lambda));
    const int x0 = clampi((int)floorf((mx - r) / kTile), 0, tilesX);
    const int x1 = clampi((int)floorf((mx + r + kTile - 1) / kTile), 0, tilesX);
    const int y0 = clampi((int)floorf((my - r) / kTile), 0, tilesY);
    const int y1 = clampi((int)floorf((my + r + kTile - 1) / kTile), 0, tilesY);
    if (x1 <= x0 || y1 <= y0) return false;
    out.mx = mx; out.my = my;
    out.ca = c / det; out.cb = -b / det; out.cc = a / det;
    out.z = z; out.radius = (int)r;
    out.x0 = x0; out.x1 = x1; out.y0 = y0; out.y1 = y1;
    return true;
}

/// Backward projection: from dL/d(mean2d), dL/d(conic), dL/dz to dL/dmean, dL/dscale, dL/dquat (unnormalised).
/// Accumulates (+=) into gmean/gscale/gquat.
COSEG_FN void project_gaussian_backward(const coseg_camera& cam, const float* mean, const float* scale, const float* quat,
                                        float gmx, float gmy, float gca, float gcb, float gcc, float gz,
                                        float* gmean, float* gscale, float* gquat) {
    const float* v = cam.viewmat;
    const float px = v[0] * mean[0] + v[1] * mean[1] + v[2] * mean[2] + v[3];
    const float py = v[4] * mean[0] + v[5] * mean[1] + v[6] * mean[2] + v[7];
    const float z = v[8] * mean[0] + v[9] * mean[1] + v[10] * mean[2] + v[11];
    const float qlen = sqrtf(quat[0] * quat[0] + quat[1] * quat[1] + quat[2] * quat[2] + quat[3] * quat[3]);
    const float qn[4] = {quat[0] / qlen, quat[1] / qlen, quat[2] / qlen, quat[3] / qlen};
    float M[9], W[9];
    cov_cam(scale, qn, v, M, W);
    const Jacobian J = persp_jacobian(cam, px, py, z);
    float a, b, c;
    cov2d(J, W, cam.low_pass, a, b, c);
    const float det = a * c - b * b;
    const float A = c / det, B = -b / det, C = a / det;   // inverse [[A,B],[B,C]]
    // dL/dSigma2d = -Inv G Inv with G symmetric [[gca, gcb/2], [gcb/2, gcc]].
    const float g00 = gca, g01 = 0.5f * gcb, g11 = gcc;
    // X = Inv * G
    const float x00 = A * g00 + B * g01, x01 = A * g01 + B * g11;
    const float x10 = B * g00 + C * g01, x11 = B * g01 + C * g11;
    // D = -(X * Inv); symmetric
    const float d00 = -(x00 * A + x01 * B);
    const float d01 = -(x00 * B + x01 * C);
    const float d11 = -(x10 * B + x11 * C);
    // Jm = 2x3 jacobian, dW = Jm^T D Jm, dJm = 2 D Jm W
    const float Jm[6] = {J.j00, 0.f, J.j02, 0.f, J.j11, J.j12};
    const float D[4] = {d00, d01, d01, d11};
    float DJ[6];  // D * Jm (2x3)
    for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 3; ++k) DJ[i * 3 + k] = D[i * 2] * Jm[k] + D[i * 2 + 1] * Jm[3 + k];
    float dW[9];
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) dW[i * 3 + k] = Jm[i] * DJ[k] + Jm[3 + i] * DJ[3 + k];
    float dJ[6];
    for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 3; ++k)
            dJ[i * 3 + k] = 2.f * (DJ[i * 3] * W[k] + DJ[i * 3 + 1] * W[3 + k] + DJ[i * 3 + 2] * W[6 + k]);
    // Jacobian entries to camera-space point.
    float gpx = 0.f, gpy = 0.f, gpz = gz;
    const float rz = 1.f / z, rz2 = rz * rz, rz3 = rz2 * rz;
    gpz += -cam.fx * rz2 * dJ[0] - cam.fy * rz2 * dJ[4];
    if (!J.clampx) { gpx += -cam.fx * rz2 * dJ[2]; gpz += 2.f * cam.fx * J.tx * rz3 * dJ[2]; }
    else { gpz += cam.fx * J.tx * rz3 * dJ[2]; }
    if (!J.clampy) { gpy += -cam.fy * rz2 * dJ[5]; gpz += 2.f * cam.fy * J.ty * rz3 * dJ[5]; }
    else { gpz += cam.fy * J.ty * rz3 * dJ[5]; }
    // mean2d = (fx px / z + cx, fy py / z + cy)
    gpx += cam.fx * rz * gmx;
    gpy += cam.fy * rz * gmy;
    gpz += -(cam.fx * px * gmx + cam.fy * py * gmy) * rz2;
    // p = V mean + t
    gmean[0] += v[0] * gpx + v[4] * gpy + v[8] * gpz;
    gmean[1] += v[1] * gpx + v[5] * gpy + v[9] * gpz;
    gmean[2] += v[2] * gpx + v[6] * gpy + v[10] * gpz;
    // W = V Sig V^T  ->  dSig = V^T dW V ; Sig = M M^T -> dM = 2 dSig M
    const float V[9] = {v[0], v[1], v[2], v[4], v[5], v[6], v[8], v[9], v[10]};
    float T[9], dSig[9], dM[9];
    mat3_mul_at(V, dW, T);
    mat3_mul(T, V, dSig);
    mat3_mul(dSig, M, dM);
    for (int i = 0; i < 9; ++i) dM[i] *= 2.f;
    float Rq[9];
    quat_to_rot(qn[0], qn[1], qn[2], qn[3], Rq);
    float dR[9];
    for (int k = 0; k < 3; ++k)
        for (int i = 0; i < 3; ++i) dR[k * 3 + i] = dM[k * 3 + i] * scale[i];
    for (int i = 0; i < 3; ++i) gscale[i] += dM[i] * Rq[i] + dM[3 + i] * Rq[3 + i] + dM[6 + i] * Rq[6 + i];
    const float w = qn[0], x = qn[1], y = qn[2], zq = qn[3];
    const float gw = 2.f * (-zq * dR[1] + y * dR[2] + zq * dR[3] - x * dR[5] - y * dR[6] + x * dR[7]);
    const float gx = 2.f * (y * dR[1] + zq * dR[2] + y * dR[3] - 2.f * x * dR[4] - w * dR[5] + zq * dR[6] + w * dR[7] - 2.f * x * dR[8]);
    const float gy = 2.f * (-2.f * y * dR[0] + x * dR[1] + w * dR[2] + x * dR[3] + zq * dR[5] - w * dR[6] + zq * dR[7] - 2.f * y * dR[8]);
    const float gzq = 2.f * (-2.f * zq * dR[0] - w * dR[1] + x * dR[2] + w * dR[3] - 2.f * zq * dR[4] + y * dR[5] + x * dR[6] + y * dR[7]);
    // through q / |q|
    const float dot = w * gw + x * gx + y * gy + zq * gzq;
    gquat[0] += (gw - w * dot) / qlen;
    gquat[1] += (gx - x * dot) / qlen;
    gquat[2] += (gy - y * dot) / qlen;
    gquat[3] += (gzq - zq * dot) / qlen;
}

}  // namespace coseg

// Camera and settings passed through the C ABI.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// Pinhole camera (OpenCV axes) with world-to-camera [R|t] (row-major 3x4) and rasterizer settings: the projection
/// parameters, derived once by the caller (CoSeg.Rendering.ProjectionParams); the library never re-derives them.
/// lim_*: clamp limits of x/z (xp: +, xn: -) and y/z for the perspective Jacobian (1.3 x the half field of view).
typedef struct coseg_camera {
    int width, height;
    float fx, fy, cx, cy;
    float viewmat[12];
    float near_plane, far_plane, low_pass;
    float lim_xp, lim_xn, lim_yp, lim_yn;
} coseg_camera;

#ifdef __cplusplus
}
#endif

// Camera and settings passed through the C ABI.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// Pinhole camera (OpenCV axes) with world-to-camera [R|t] (row-major 3x4) and rasterizer settings.
typedef struct coseg_camera {
    int width, height;
    float fx, fy, cx, cy;
    float viewmat[12];
    float near_plane, far_plane, low_pass;
} coseg_camera;

#ifdef __cplusplus
}
#endif

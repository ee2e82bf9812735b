namespace CoSeg.Rendering;

/// <summary>
/// The real spherical-harmonics normalisation constants of the reference 3DGS (degrees 0–3), written once for C#
/// (the TorchSharp <see cref="ShEvaluator"/> and the ILGPU SH kernels); native/include/coseg/sh.h holds the C++ copy.
/// </summary>
internal static class ShConstants
{
    public const double C0 = 0.28209479177387814;
    public const double C1 = 0.4886025119029199;
    public const double C20 = 1.0925484305920792, C21 = -1.0925484305920792, C22 = 0.31539156525252005, C23 = -1.0925484305920792, C24 = 0.5462742152960396;
    public const double C30 = -0.5900435899266435, C31 = 2.890611442640554, C32 = -0.4570457994644658, C33 = 0.3731763325901154,
                        C34 = -0.4570457994644658, C35 = 1.445305721320277, C36 = -0.5900435899266435;
}

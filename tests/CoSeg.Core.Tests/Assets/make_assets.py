# Makes the tiny TorchScript test assets (run with Debian's python3-torch: /usr/bin/python3 make_assets.py).
# Weights are fixed numbers so the C# tests can recompute the expected outputs with plain TorchSharp maths.
import torch


class TinyFeatures(torch.nn.Module):
    """1×3×H×W → 1×4×(H/2)×(W/2): a fixed 1×1 linear map of the (normalised) colours, then 2×2 average pooling."""

    def __init__(self):
        super().__init__()
        w = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, -0.25, 0.25]])
        self.register_buffer("w", w)
        self.register_buffer("b", torch.tensor([0.0, 0.1, -0.1, 0.2]))

    def forward(self, x):
        y = torch.einsum("oc,nchw->nohw", self.w, x) + self.b.view(1, 4, 1, 1)
        return torch.nn.functional.avg_pool2d(y, 2, 2)


class TinySegmenter(torch.nn.Module):
    """1×3×H×W → 1×4×H×W logits: channel 0 = 0.5 (background), channels 1..3 = 2·(R, G, B) of the raw input."""

    def forward(self, x):
        bg = torch.full_like(x[:, :1], 0.5)
        return torch.cat([bg, 2.0 * x], dim=1)


for name, module in [("tiny_features.pt", TinyFeatures()), ("tiny_segmenter.pt", TinySegmenter())]:
    scripted = torch.jit.script(module)
    scripted.save(name)
    print("wrote", name)

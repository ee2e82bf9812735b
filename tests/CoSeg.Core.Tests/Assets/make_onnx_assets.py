# Makes the tiny ONNX test assets (Debian: apt-get install python3-onnx; run /usr/bin/python3 make_onnx_assets.py here).
# Weights are closed-form numbers so the C# tests recompute every expected output with plain TorchSharp maths; the fake
# SAM pair returns masks defined by simple formulas so the automatic mask generator has exact expected results.
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
F = TensorProto.FLOAT


def const(name, array):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(array), name + "_value"))


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="coseg-tests")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    print("wrote", path)


def backbone_weights():
    """3→8 channel 3×3 convolution: w[o,c,ky,kx] = 0.5·sin(1 + flat index), b[o] = 0.1·(o − 4)."""
    w = (0.5 * np.sin(1.0 + np.arange(8 * 3 * 3 * 3, dtype=np.float64))).astype(np.float32).reshape(8, 3, 3, 3)
    b = (0.1 * (np.arange(8, dtype=np.float64) - 4)).astype(np.float32)
    return w, b


def vit_weights():
    """Patch embedding 3→6 channels, 4×4 patches: w = 0.25·cos(flat index), b[o] = 0.05·o; class token = 100 + i."""
    w = (0.25 * np.cos(np.arange(6 * 3 * 4 * 4, dtype=np.float64))).astype(np.float32).reshape(6, 3, 4, 4)
    b = (0.05 * np.arange(6, dtype=np.float64)).astype(np.float32)
    cls = (100.0 + np.arange(6, dtype=np.float64)).astype(np.float32).reshape(1, 1, 6)
    return w, b, cls


def tiny_backbone():
    """image [1,3,h,w] → features = relu(conv3x3 stride 2 pad 1) [1,8,⌈h/2⌉,⌈w/2⌉], pooled = its global mean [1,8,1,1]."""
    w, b = backbone_weights()
    nodes = [
        const("w", w), const("b", b),
        helper.make_node("Conv", ["image", "w", "b"], ["conv"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["features"]),
        helper.make_node("GlobalAveragePool", ["features"], ["pooled"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny_backbone",
        [helper.make_tensor_value_info("image", F, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("features", F, [1, 8, None, None]),
         helper.make_tensor_value_info("pooled", F, [1, 8, 1, 1])])
    save(graph, "tiny_backbone.onnx")


def tiny_vit():
    """pixel_values [1,3,16,16] (fixed, as ViT exports usually are) → last_hidden_state [1,17,6]: class token, then 4×4 patches."""
    w, b, cls = vit_weights()
    nodes = [
        const("w", w), const("b", b), const("cls", cls), const("shape", np.array([1, 6, 16], dtype=np.int64)),
        helper.make_node("Conv", ["pixel_values", "w", "b"], ["patches"], kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node("Reshape", ["patches", "shape"], ["flat"]),
        helper.make_node("Transpose", ["flat"], ["tokens"], perm=[0, 2, 1]),
        helper.make_node("Concat", ["cls", "tokens"], ["last_hidden_state"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_vit",
        [helper.make_tensor_value_info("pixel_values", F, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("last_hidden_state", F, [1, 17, 6])])
    save(graph, "tiny_vit.onnx")


def tiny_segmenter():
    """input [1,3,h,w] → logits [1,4,h,w]: channel 0 = 0.5 (background), channels 1..3 = 2·(R, G, B)."""
    nodes = [
        const("zero", np.array(0.0, dtype=np.float32)), const("half", np.array(0.5, dtype=np.float32)),
        const("two", np.array(2.0, dtype=np.float32)),
        const("s0", np.array([0], dtype=np.int64)), const("s1", np.array([1], dtype=np.int64)),
        const("ax", np.array([1], dtype=np.int64)),
        helper.make_node("Slice", ["input", "s0", "s1", "ax"], ["red"]),
        helper.make_node("Mul", ["red", "zero"], ["zeros"]),
        helper.make_node("Add", ["zeros", "half"], ["bg"]),
        helper.make_node("Mul", ["input", "two"], ["fg"]),
        helper.make_node("Concat", ["bg", "fg"], ["logits"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_segmenter",
        [helper.make_tensor_value_info("input", F, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("logits", F, [1, 4, "h", "w"])])
    save(graph, "tiny_segmenter.onnx")


# The fake SAM: the encoder takes a 64×64 (long side) normalised, zero-padded image; its embedding is the 4×4-average of
# the channel mean, [1,1,16,16]. The decoder's masks are discs around the centre of the 16×16-pixel cell (in original
# image pixels) that holds each prompt's first point, evaluated at pixel centres (d² = (x+½−cx)² + (y+½−cy)²):
#   token 0 (SAM's single-mask output): everything, logit 10, IoU 0.99   — the automatic generator must ignore it
#   token 1: d² < 20, logit 10·(20 − d²), IoU 0.95                          — sharp: stability 1
#   token 2: d² < 60, logit 10·(60 − d²), IoU 0.90                          — sharp: stability 1
#   token 3: d² < 50, logit 0.1·(50 − d²), IoU 0.97                         — soft: stability #(d²<40)/#(d²<60) < 0.95
# The IoUs are halved where the embedding under the point is ≤ 0.5 (a dark image there), so dark cells are filtered.
SAM_SIZE, SAM_CELL = 64, 16


def fake_sam_encoder():
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["gray"], axes=[1], keepdims=1),
        helper.make_node("AveragePool", ["gray"], ["image_embeddings"], kernel_shape=[4, 4], strides=[4, 4]),
    ]
    graph = helper.make_graph(
        nodes, "fake_sam_encoder",
        [helper.make_tensor_value_info("image", F, [1, 3, SAM_SIZE, SAM_SIZE])],
        [helper.make_tensor_value_info("image_embeddings", F, [1, 1, SAM_SIZE // 4, SAM_SIZE // 4])])
    save(graph, "fake_sam_encoder.onnx")


def fake_sam_decoder():
    e = SAM_SIZE // 4
    c = lambda name, v, dt=np.float32: const(name, np.array(v, dtype=dt))
    nodes = [
        c("i0", 0, np.int64), c("i1", 1, np.int64), c("ax1", [1], np.int64), c("ax12", [1, 2], np.int64),
        c("size", float(SAM_SIZE)), c("cell", float(SAM_CELL)), c("half", 0.5), c("one", 1.0), c("four", 4.0),
        c("zero", 0.0), c("ten", 10.0), c("tenth", 0.1), c("r20", 20.0), c("r60", 60.0), c("r50", 50.0),
        c("emax", float(e - 1)), c("e", float(e)), c("flat", [e * e], np.int64),
        c("base", [[0.99, 0.95, 0.90, 0.97]]), c("shape_b11", [-1, 1, 1], np.int64),
        # sizes and the scale encoder frame → original pixels
        helper.make_node("Gather", ["orig_im_size", "i0"], ["H"], axis=0),
        helper.make_node("Gather", ["orig_im_size", "i1"], ["W"], axis=0),
        helper.make_node("Max", ["H", "W"], ["long"]),
        helper.make_node("Div", ["long", "size"], ["scale"]),
        # first point of each prompt, [B,2] in the encoder frame, and the centre of its cell in original pixels
        helper.make_node("Gather", ["point_coords", "i0"], ["p"], axis=1),
        helper.make_node("Mul", ["p", "scale"], ["p_img"]),
        helper.make_node("Div", ["p_img", "cell"], ["p_cell"]),
        helper.make_node("Floor", ["p_cell"], ["p_floor"]),
        helper.make_node("Add", ["p_floor", "half"], ["p_mid"]),
        helper.make_node("Mul", ["p_mid", "cell"], ["centre"]),
        helper.make_node("Gather", ["centre", "i0"], ["cx0"], axis=1),
        helper.make_node("Gather", ["centre", "i1"], ["cy0"], axis=1),
        helper.make_node("Reshape", ["cx0", "shape_b11"], ["cx"]),
        helper.make_node("Reshape", ["cy0", "shape_b11"], ["cy"]),
        # pixel-centre grids [1,1,W] and [1,H,1]
        helper.make_node("Range", ["half", "W", "one"], ["xs0"]),
        helper.make_node("Range", ["half", "H", "one"], ["ys0"]),
        helper.make_node("Unsqueeze", ["xs0", "i0_01"], ["xs"]),
        helper.make_node("Unsqueeze", ["ys0", "i0_02"], ["ys"]),
        helper.make_node("Sub", ["xs", "cx"], ["dx"]),
        helper.make_node("Sub", ["ys", "cy"], ["dy"]),
        helper.make_node("Mul", ["dx", "dx"], ["dx2"]),
        helper.make_node("Mul", ["dy", "dy"], ["dy2"]),
        helper.make_node("Add", ["dx2", "dy2"], ["d2"]),  # [B,H,W]
        # the four tokens
        helper.make_node("Mul", ["d2", "zero"], ["z"]),
        helper.make_node("Add", ["z", "ten"], ["t0"]),
        helper.make_node("Sub", ["r20", "d2"], ["u1"]), helper.make_node("Mul", ["u1", "ten"], ["t1"]),
        helper.make_node("Sub", ["r60", "d2"], ["u2"]), helper.make_node("Mul", ["u2", "ten"], ["t2"]),
        helper.make_node("Sub", ["r50", "d2"], ["u3"]), helper.make_node("Mul", ["u3", "tenth"], ["t3"]),
        helper.make_node("Unsqueeze", ["t0", "ax1"], ["m0"]), helper.make_node("Unsqueeze", ["t1", "ax1"], ["m1"]),
        helper.make_node("Unsqueeze", ["t2", "ax1"], ["m2"]), helper.make_node("Unsqueeze", ["t3", "ax1"], ["m3"]),
        helper.make_node("Concat", ["m0", "m1", "m2", "m3"], ["masks"], axis=1),
        # brightness of the embedding under the point → IoU gate
        helper.make_node("Div", ["p", "four"], ["p_e"]),
        helper.make_node("Floor", ["p_e"], ["p_ef"]),
        helper.make_node("Clip", ["p_ef", "zero", "emax"], ["p_ec"]),
        helper.make_node("Gather", ["p_ec", "i0"], ["ex"], axis=1),
        helper.make_node("Gather", ["p_ec", "i1"], ["ey"], axis=1),
        helper.make_node("Mul", ["ey", "e"], ["row"]),
        helper.make_node("Add", ["row", "ex"], ["idx_f"]),
        helper.make_node("Cast", ["idx_f"], ["idx"], to=TensorProto.INT64),
        helper.make_node("Reshape", ["image_embeddings", "flat"], ["emb"]),
        helper.make_node("Gather", ["emb", "idx"], ["bright"], axis=0),
        helper.make_node("Greater", ["bright", "half"], ["lit"]),
        helper.make_node("Where", ["lit", "one", "half"], ["gate0"]),
        helper.make_node("Unsqueeze", ["gate0", "ax1"], ["gate"]),
        helper.make_node("Mul", ["gate", "base"], ["iou_predictions"]),
        # low-resolution logits: the mask input, repeated per token (unused by the generator)
        helper.make_node("Concat", ["mask_input", "mask_input", "mask_input", "mask_input"], ["low_res_masks"], axis=1),
    ]
    nodes.insert(0, c("i0_01", [0, 1], np.int64))
    nodes.insert(0, c("i0_02", [0, 2], np.int64))
    graph = helper.make_graph(
        nodes, "fake_sam_decoder",
        [helper.make_tensor_value_info("image_embeddings", F, [1, 1, e, e]),
         helper.make_tensor_value_info("point_coords", F, ["num_prompts", "num_points", 2]),
         helper.make_tensor_value_info("point_labels", F, ["num_prompts", "num_points"]),
         helper.make_tensor_value_info("mask_input", F, ["num_prompts", 1, 4 * e, 4 * e]),
         helper.make_tensor_value_info("has_mask_input", F, [1]),
         helper.make_tensor_value_info("orig_im_size", F, [2])],
        [helper.make_tensor_value_info("masks", F, ["num_prompts", 4, None, None]),
         helper.make_tensor_value_info("iou_predictions", F, ["num_prompts", 4]),
         helper.make_tensor_value_info("low_res_masks", F, ["num_prompts", 4, 4 * e, 4 * e])])
    save(graph, "fake_sam_decoder.onnx")


if __name__ == "__main__":
    tiny_backbone()
    tiny_vit()
    tiny_segmenter()
    fake_sam_encoder()
    fake_sam_decoder()

#!/usr/bin/env python3
"""Convert a CTranslate2 Whisper model (model.bin) to two ONNX graphs, without PyTorch.

The CTranslate2 file is a simple binary format (a header, then named arrays); it is read with
numpy, and the graphs are built node by node with the `onnx` package:

  encoder.onnx   mel [1, 80, 3000] float32
                 -> cross_k_<i>, cross_v_<i> [1, heads, 1500, head_dim] for every decoder layer
                    (the cross-attention keys and values, computed once per 30-second window)
  decoder.onnx   tokens [1, T] int64, offset [] int64 (position of the first new token),
                 past_k_<i>, past_v_<i> [1, heads, P, head_dim] (the self-attention cache),
                 cross_k_<i>, cross_v_<i>
                 -> logits [1, vocab] float32 (last position only),
                    present_k_<i>, present_v_<i> [1, heads, P + T, head_dim]

  mel_filters.bin  the 80 mel filters [80, 201] as little-endian float32, from openai-whisper's
                   mel_filters.npz (so the app needs no zip/npy reader)

Weights stay float16 in the files (half the size) and are cast to float32 when the runtime
loads them (ONNX Runtime folds the Cast nodes). The output is deterministic: the same model.bin
gives byte-identical files, whose sha256 the manifest pins.

Usage: convert_whisper.py OUT_DIR MODEL_BIN_PART... MEL_FILTERS_NPZ
       (the parts of model.bin in order; a single model.bin is one part)
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2(parts: list[Path]) -> dict[str, np.ndarray]:
    """Every variable of a CTranslate2 model.bin (binary version 6), aliases resolved."""
    data = b"".join(part.read_bytes() for part in parts)
    path = parts[0]
    offset = 0

    def unpack(fmt: str):
        nonlocal offset
        (value,) = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return value

    def string() -> str:
        nonlocal offset
        length = unpack("<H")
        text = data[offset:offset + length - 1].decode("utf-8")
        offset += length
        return text

    version = unpack("<I")
    if version != 6:
        raise SystemExit(f"{path}: CTranslate2 binary version {version}, expected 6")
    spec = string()
    if spec != "WhisperSpec":
        raise SystemExit(f"{path}: a {spec}, not a Whisper model")
    unpack("<I")  # revision
    variables: dict[str, np.ndarray] = {}
    for _ in range(unpack("<I")):
        name = string()
        shape = [unpack("<I") for _ in range(unpack("<B"))]
        dtype = DTYPES[unpack("<B")]
        size = unpack("<I")
        variables[name] = np.frombuffer(data, dtype=dtype, count=size // np.dtype(dtype).itemsize,
                                        offset=offset).reshape(shape)
        offset += size
    for _ in range(unpack("<I")):
        alias, target = string(), string()
        variables[alias] = variables[target]
    if offset != len(data):
        raise SystemExit(f"{path}: {len(data) - offset} unexpected bytes at the end")
    return variables


class Graph:
    """A small builder: unique node names, float16 initializers cast to float32 once."""

    def __init__(self, weights: dict[str, np.ndarray]):
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.casts: dict[str, str] = {}
        self.counter = 0

    def name(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}_{self.counter}"

    def op(self, op_type: str, inputs: list[str], hint: str = "", **attrs) -> str:
        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out + "_node", **attrs))
        return out

    def op_multi(self, op_type: str, inputs: list[str], count: int, hint: str, **attrs) -> list[str]:
        outs = [self.name(f"{hint}{i}") for i in range(count)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=outs[0] + "_node", **attrs))
        return outs

    def const(self, array: np.ndarray, hint: str) -> str:
        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, key: str, transpose: bool = False, rows: slice | None = None) -> str:
        """A model weight as float32 (stored float16, cast at load time)."""
        cache_key = f"{key}|{transpose}|{rows}"
        if cache_key in self.casts:
            return self.casts[cache_key]
        array = self.weights[key]
        if rows is not None:
            array = array[rows]
        if transpose:
            array = array.T
        stored = self.const(array.astype(np.float16), key.replace("/", "."))
        cast = self.op("Cast", [stored], hint=key.replace("/", ".") + ".f32", to=TensorProto.FLOAT)
        self.casts[cache_key] = cast
        return cast

    def i64(self, values, hint: str = "shape") -> str:
        return self.const(np.array(values, dtype=np.int64), hint)

    def f32(self, value: float, hint: str = "c") -> str:
        return self.const(np.array(value, dtype=np.float32), hint)

    def linear(self, x: str, prefix: str, rows: slice | None = None) -> str:
        y = self.op("MatMul", [x, self.weight(f"{prefix}/weight", transpose=True, rows=rows)])
        return self.op("Add", [y, self.weight(f"{prefix}/bias", rows=rows)])

    def layer_norm(self, x: str, prefix: str) -> str:
        return self.op("LayerNormalization", [x, self.weight(f"{prefix}/gamma"), self.weight(f"{prefix}/beta")],
                       axis=-1, epsilon=1e-5)

    def gelu(self, x: str) -> str:
        # 0.5 * x * (1 + erf(x / sqrt(2))); ONNX Runtime fuses this into one Gelu kernel.
        inner = self.op("Erf", [self.op("Div", [x, self.f32(np.sqrt(2.0))])])
        return self.op("Mul", [self.op("Mul", [x, self.op("Add", [inner, self.f32(1.0)])]), self.f32(0.5)])

    def heads(self, x: str, num_heads: int, head_dim: int) -> str:
        """[1, T, D] -> [1, H, T, Dh]"""
        shaped = self.op("Reshape", [x, self.i64([1, -1, num_heads, head_dim])])
        return self.op("Transpose", [shaped], perm=[0, 2, 1, 3])

    def merge_heads(self, x: str, dim: int) -> str:
        """[1, H, T, Dh] -> [1, T, D]"""
        return self.op("Reshape", [self.op("Transpose", [x], perm=[0, 2, 1, 3]), self.i64([1, -1, dim])])

    def qkv(self, h: str, prefix: str, num_heads: int, dim: int) -> tuple[str, str, str]:
        """Queries, keys and values of a self-attention block (CTranslate2 fuses the three)."""
        fused = f"{prefix}/self_attention/linear_0"
        return tuple(self.heads(self.linear(h, fused, slice(i * dim, (i + 1) * dim)), num_heads, dim // num_heads)
                     for i in range(3))

    def attention(self, q: str, k: str, v: str, head_dim: int, mask: str | None = None) -> str:
        scores = self.op("MatMul", [q, self.op("Transpose", [k], perm=[0, 1, 3, 2])])
        scores = self.op("Mul", [scores, self.f32(1.0 / np.sqrt(head_dim))])
        if mask is not None:
            scores = self.op("Add", [scores, mask])
        return self.op("MatMul", [self.op("Softmax", [scores], axis=-1), v])

    def ffn(self, x: str, prefix: str) -> str:
        h = self.layer_norm(x, f"{prefix}/ffn/layer_norm")
        h = self.linear(self.gelu(self.linear(h, f"{prefix}/ffn/linear_0")), f"{prefix}/ffn/linear_1")
        return self.op("Add", [x, h])

    def model(self, inputs, outputs, name: str) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="interview-kiosk convert_whisper.py", producer_version="1")
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model


def scalar(weights: dict[str, np.ndarray], key: str) -> int:
    return int(np.asarray(weights[key]).reshape(()))


def build_encoder(w: dict[str, np.ndarray], layers: int, dec_layers: int, heads: int, dim: int) -> onnx.ModelProto:
    g = Graph(w)
    head_dim = dim // heads
    mel = helper.make_tensor_value_info("mel", TensorProto.FLOAT, [1, 80, 3000])
    x = g.op("Conv", ["mel", g.weight("encoder/conv1/weight"), g.weight("encoder/conv1/bias")],
             pads=[1, 1], kernel_shape=[3])
    x = g.gelu(x)
    x = g.op("Conv", [x, g.weight("encoder/conv2/weight"), g.weight("encoder/conv2/bias")],
             pads=[1, 1], strides=[2], kernel_shape=[3])
    x = g.op("Transpose", [g.gelu(x)], perm=[0, 2, 1])
    x = g.op("Add", [x, g.weight("encoder/position_encodings/encodings")])
    for i in range(layers):
        p = f"encoder/layer_{i}"
        q, k, v = g.qkv(g.layer_norm(x, f"{p}/self_attention/layer_norm"), p, heads, dim)
        a = g.linear(g.merge_heads(g.attention(q, k, v, head_dim), dim), f"{p}/self_attention/linear_1")
        x = g.ffn(g.op("Add", [x, a]), p)
    x = g.layer_norm(x, "encoder/layer_norm")
    outputs = []
    for i in range(dec_layers):
        p = f"decoder/layer_{i}/attention/linear_1"
        for kind, rows in (("k", slice(0, dim)), ("v", slice(dim, 2 * dim))):
            out = g.heads(g.linear(x, p, rows), heads, head_dim)
            name = f"cross_{kind}_{i}"
            g.nodes.append(helper.make_node("Identity", [out], [name], name=name + "_node"))
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, heads, 1500, head_dim]))
    return g.model([mel], outputs, "whisper_encoder")


def build_decoder(w: dict[str, np.ndarray], layers: int, heads: int, dim: int, vocab: int) -> onnx.ModelProto:
    g = Graph(w)
    head_dim = dim // heads
    inputs = [
        helper.make_tensor_value_info("tokens", TensorProto.INT64, [1, "T"]),
        helper.make_tensor_value_info("offset", TensorProto.INT64, []),
    ]
    for i in range(layers):
        for kind in ("k", "v"):
            inputs.append(helper.make_tensor_value_info(f"past_{kind}_{i}", TensorProto.FLOAT,
                                                        [1, heads, "P", head_dim]))
    for i in range(layers):
        for kind in ("k", "v"):
            inputs.append(helper.make_tensor_value_info(f"cross_{kind}_{i}", TensorProto.FLOAT,
                                                        [1, heads, 1500, head_dim]))
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, vocab])]

    # Positions offset .. offset + T, and the causal mask over P + T keys.
    t = g.op("Gather", [g.op("Shape", ["tokens"]), g.i64(1, "one")], axis=0)
    end = g.op("Add", ["offset", t])
    positions = g.op("Range", ["offset", end, g.i64(1, "step")])
    x = g.op("Gather", [g.weight("decoder/embeddings/weight"), "tokens"], axis=0)
    x = g.op("Add", [x, g.op("Gather", [g.weight("decoder/position_encodings/encodings"), positions], axis=0)])
    keys = g.op("Range", [g.i64(0, "zero"), end, g.i64(1, "step")])
    query_col = g.op("Unsqueeze", [positions, g.i64([1], "axes")])
    future = g.op("Greater", [g.op("Unsqueeze", [keys, g.i64([0], "axes")]), query_col])
    mask = g.op("Where", [future, g.f32(-1e9, "neg"), g.f32(0.0, "zero_f")])

    for i in range(layers):
        p = f"decoder/layer_{i}"
        q, k_new, v_new = g.qkv(g.layer_norm(x, f"{p}/self_attention/layer_norm"), p, heads, dim)
        for kind, new in (("k", k_new), ("v", v_new)):
            name = f"present_{kind}_{i}"
            g.nodes.append(helper.make_node("Concat", [f"past_{kind}_{i}", new], [name], name=name + "_node", axis=2))
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, heads, "P_plus_T", head_dim]))
        a = g.attention(q, f"present_k_{i}", f"present_v_{i}", head_dim, mask)
        x = g.op("Add", [x, g.linear(g.merge_heads(a, dim), f"{p}/self_attention/linear_1")])
        h = g.layer_norm(x, f"{p}/attention/layer_norm")
        q = g.heads(g.linear(h, f"{p}/attention/linear_0"), heads, head_dim)
        a = g.attention(q, f"cross_k_{i}", f"cross_v_{i}", head_dim)
        x = g.op("Add", [x, g.linear(g.merge_heads(a, dim), f"{p}/attention/linear_2")])
        x = g.ffn(x, p)
    x = g.layer_norm(x, "decoder/layer_norm")
    last = g.op("Slice", [x, g.i64([-1], "starts"), g.i64([2**62], "ends"), g.i64([1], "axes")])
    last = g.op("Reshape", [last, g.i64([1, dim])])  # [1, D]: the last position only
    logits = g.op("Gemm", [last, g.weight("decoder/embeddings/weight")], transB=1)
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="logits_node"))
    return g.model(inputs, outputs, "whisper_decoder")


def main() -> None:
    if len(sys.argv) < 4 or not sys.argv[-1].endswith(".npz"):
        raise SystemExit(__doc__)
    out_dir, parts, npz = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:-1]], Path(sys.argv[-1])
    model_bin = parts[0]
    w = read_ct2(parts)
    for flag in ("decoder/scale_embeddings", "decoder/start_from_zero_embedding", "decoder/alibi"):
        if flag in w and scalar(w, flag) != 0:
            raise SystemExit(f"{model_bin}: {flag} is set; this converter does not handle it")
    heads = scalar(w, "encoder/num_heads")
    if scalar(w, "decoder/num_heads") != heads:
        raise SystemExit(f"{model_bin}: encoder and decoder head counts differ")
    dim = w["encoder/conv1/weight"].shape[0]
    vocab = w["decoder/embeddings/weight"].shape[0]
    enc_layers = sum(1 for k in w if k.startswith("encoder/layer_") and k.endswith("/ffn/linear_0/weight"))
    dec_layers = sum(1 for k in w if k.startswith("decoder/layer_") and k.endswith("/ffn/linear_0/weight"))
    out_dir.mkdir(parents=True, exist_ok=True)
    with np.load(npz) as filters:
        mel = np.ascontiguousarray(filters["mel_80"], dtype="<f4")
    if mel.shape != (80, 201):
        raise SystemExit(f"{npz}: mel_80 has shape {mel.shape}, expected (80, 201)")
    outputs = {
        "encoder.onnx": build_encoder(w, enc_layers, dec_layers, heads, dim).SerializeToString(deterministic=True),
        "decoder.onnx": build_decoder(w, dec_layers, heads, dim, vocab).SerializeToString(deterministic=True),
        "mel_filters.bin": mel.tobytes(),
    }
    for name, data in outputs.items():
        tmp = out_dir / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(out_dir / name)
    print(f"converted: dim {dim}, {heads} heads, {enc_layers}+{dec_layers} layers, vocabulary {vocab}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Make the int8 Whisper models from the converted float ones (dynamic quantisation).

Weights of every matrix product become int8 (symmetric, per tensor), activations are quantised
on the fly by ONNX Runtime's integer kernels; layer norms, softmax and the convolutions stay
float. Before quantising, the graph is prepared so that the quantiser sees the real weights:

  - the float16 initialisers that convert_whisper.py stores behind a Cast become float32
    initialisers (the quantiser only knows float32 weights);
  - the decoder's output projection, a Gemm with the token embedding transposed, becomes a
    MatMul with the transposed matrix, so that the largest product of every decoding step
    (512 x 51,865) is quantised too. The embedding lookup (Gather) is quantised as well.

The output is deterministic: the same float models give byte-identical files, whose sha256 the
manifest pins (checked by installer/fetch_assets.py like any other asset).

ONNX Runtime's Python package initialises the same library the app loads, with its telemetry;
this tool switches it off before importing it (see scoring::runtime and the onnxruntime card).

Usage: quantize_whisper.py OUT_DIR ENCODER_ONNX DECODER_ONNX
       writes OUT_DIR/encoder-int8.onnx and OUT_DIR/decoder-int8.onnx
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Before onnxruntime is imported (the library reads it when it initialises).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: E402


def prepare(model: onnx.ModelProto) -> onnx.ModelProto:
    """Folds float16 weights behind Casts into float32 weights, and turns Gemm(transB) with such a
    weight into a MatMul with the transposed weight."""
    graph = model.graph
    stored = {i.name: i for i in graph.initializer}
    folded: dict[str, np.ndarray] = {}
    nodes = []
    for node in graph.node:
        source = stored.get(node.input[0]) if node.op_type == "Cast" and node.input else None
        if source is not None and source.data_type == TensorProto.FLOAT16:
            folded[node.output[0]] = numpy_helper.to_array(source).astype(np.float32)
            continue
        nodes.append(node)
    rewritten = []
    for node in nodes:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if (
            node.op_type == "Gemm"
            and len(node.input) == 2
            and node.input[1] in folded
            and attrs.get("transB") == 1
            and attrs.get("transA", 0) == 0
            and attrs.get("alpha", 1.0) == 1.0
        ):
            transposed = node.input[1] + ".T"
            folded[transposed] = np.ascontiguousarray(folded[node.input[1]].T)
            rewritten.append(helper.make_node("MatMul", [node.input[0], transposed], list(node.output), name=node.name))
        else:
            rewritten.append(node)
    used = {name for node in rewritten for name in node.input}
    kept = [i for i in graph.initializer if i.name in used]
    added = [numpy_helper.from_array(array, name) for name, array in folded.items() if name in used]
    del graph.node[:]
    graph.node.extend(rewritten)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    return model


def quantize(source: Path, target: Path, op_types: list[str], scratch: Path) -> None:
    prepared = scratch / f"{source.stem}.prepared.onnx"
    onnx.save(prepare(onnx.load(source)), prepared)
    quantize_dynamic(prepared, target, weight_type=QuantType.QInt8, op_types_to_quantize=op_types)


def main() -> None:
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    out_dir, encoder, decoder = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".quantize-") as scratch:
        for source, name, ops in ((encoder, "encoder-int8.onnx", ["MatMul"]), (decoder, "decoder-int8.onnx", ["MatMul", "Gather"])):
            tmp = Path(scratch) / name
            quantize(source, tmp, ops, Path(scratch))
            tmp.replace(out_dir / name)
    print("quantised: encoder and decoder, int8 weights")


if __name__ == "__main__":
    main()

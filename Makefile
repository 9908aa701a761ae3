# Interview Kiosk. `make demo` and `make test` set the machine up first (installer/setup.sh is
# idempotent and takes seconds once done).
SHELL := /bin/bash
CARGO ?= cargo
APP := target/debug/interview-kiosk

.PHONY: package package-test setup ui build run demo demo-office test test-rust test-ui test-e2e test-egress lint bindings bench bench-scoring bench-python bench-report bench-app bench-workspace bench-follow-up screenshots fuzz test-api

setup:
	bash installer/setup.sh

# The front end is embedded into the binary at compile time, so it is built first.
ui:
	cd ui && npm run --silent build

build: ui
	$(CARGO) build -p interview-kiosk

run: setup build
	$(APP)

# Headless: prints each stage with its timing. INTERVIEW_KIOSK_DATA_DIR overrides ./demo-data.
# The vault key goes to the real Secret Service, provided headless by installer/with-keyring;
# the demo's keyring password is for the demo only.
DEMO_KEYRING_PASSWORD ?= interview-kiosk-demo
demo: setup build
	INTERVIEW_KIOSK_KEYRING_PASSWORD="$${INTERVIEW_KIOSK_KEYRING_PASSWORD:-$(DEMO_KEYRING_PASSWORD)}" \
	  installer/with-keyring $(APP) demo

# An office on this machine: a hub and two kiosk stations as separate processes, each with its
# own data directory and its own headless Secret Service (installer/with-keyring), on loopback.
demo-office: setup build
	INTERVIEW_KIOSK_WITH_KEYRING=installer/with-keyring $(APP) demo --office

test: setup
	$(MAKE) test-ui
	$(MAKE) build
	$(MAKE) lint
	$(MAKE) test-rust
	$(MAKE) test-e2e
	$(MAKE) test-egress
	$(MAKE) test-api
	$(MAKE) package-test
	$(MAKE) fuzz

# Also checks two architecture invariants: no domain crate depends on Tauri or WebKit; every
# Python file that imports onnxruntime switches its telemetry off first.
lint:
	$(CARGO) fmt --all --check
	@! $(CARGO) tree -e normal --prefix none -p capture -p flow -p hrms -p interview -p manifest -p report -p scoring -p vault 2>/dev/null \
	  | grep -E '^(tauri|tauri-[a-z-]+|wry|webkit2gtk[a-z0-9-]*) ' \
	  || { echo "lint: a domain crate depends on Tauri/WebKit (see above)"; exit 1; }
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings
	$(CARGO) clippy -p vault --all-targets --features bench-internals --quiet -- -D warnings
	python3 tests/egress/lint_telemetry_switch.py
	@! git grep -n -E 'rusqlite|"(SELECT|INSERT|UPDATE|DELETE) |printpdf|lopdf|render_(slips|candidate|job|audit)|report::export::export_|Scorer\b|score_answer|rubric::score\(' \
	  -- 'src-tauri/src/commands' 'src-tauri/src/ipc' src-tauri/src/state.rs src-tauri/src/kiosk.rs src-tauri/src/app.rs src-tauri/src/media_protocol.rs src-tauri/src/hosted.rs src-tauri/src/workstation.rs \
	  || { echo "lint: the IPC side of the shell holds SQL, scoring or PDF code (above); it belongs in a library crate (flow or a domain crate)"; exit 1; }
	@! git grep -n -E '(window|globalThis|self)\.(confirm|alert|prompt)\s*\(' -- 'ui/src/*.ts' 'ui/src/*.tsx' ':!ui/src/**/*.test.ts' \
	  || { echo "lint: the page opens a browser dialog (above): its language is the webview's; use an in-page confirmation (admin/components.tsx ConfirmBox)"; exit 1; }
	@! git grep -n -E '<form([ >]|$$)|type="(file|date|time|datetime-local)"' -- 'ui/src/*.tsx' ':!ui/src/shared/form.tsx' \
	  || { echo "lint: a browser form or picker (above) shows the webview's language: use Form / FileInput (ui/src/shared/form.tsx) and our own date fields"; exit 1; }
	@! git grep -n -E '邀请码|[Ii]nvitation code' -- src-tauri ui/src tests ':!*.md' \
	  || { echo "lint: a retired synonym (above): the glossary in README.md says 准入码 / access code"; exit 1; }
	@! git grep -n 'ort::init' -- '*.rs' ':!src-tauri/crates/scoring/src/runtime.rs' ':!src-tauri/crates/scoring/tests/main.rs' \
	  || { echo "lint: ONNX Runtime is initialised outside scoring::runtime (which checks the telemetry switch)"; exit 1; }

test-ui:
	cd ui && npm run --silent check && npm test --silent

# Domain crates and the shell (including the stale-bindings check), not the e2e crate.
test-rust:
	$(CARGO) test --workspace --exclude e2e

# The real app under Xvfb over WebDriver; needs `make build` first.
test-e2e:
	$(CARGO) test -p e2e

# Zero egress: the demo, `score --queue`, `eval --speak`, the staff and kiosk windows through a
# whole interview, and `api serve`, each inside a network namespace whose default route leads
# into a sink that sees every attempt; fails on any packet or connection beyond loopback, and on
# any file created outside the data directory and the keyring. Needs root and `make build`.
test-egress:
	python3 tests/egress/zero_egress.py

# The .deb for offices with no internet: a release build, packaged with Tauri's bundler, with
# SHA256SUMS and its signature (INTERVIEW_KIOSK_RELEASE_KEY, else a throwaway test key), in
# target/package/.
package: setup ui
	$(CARGO) build --release -p interview-kiosk
	python3 installer/package.py

# Builds the .deb from the debug build, installs it here with dpkg under `unshare -n`, runs the
# installed app (selftest, demo, a previous release's vault), upgrades, removes. Needs root.
package-test: build
	bash installer/package-test.sh

# schemathesis against the live local API (`api serve` on a fresh vault); needs `make build`.
test-api:
	bash tests/api/schemathesis.sh

# The HRMS import fuzz target (cargo-fuzz on the nightly pinned in installer/setup.sh) for
# FUZZ_SECONDS. New inputs it finds go to .cache/fuzz-corpus; the committed seeds
# (src-tauri/crates/hrms/fuzz/corpus/import, also read by hrms' tests) are only read. The whole
# libFuzzer log is in target/fuzz/import.log; its end (and any crash) is printed.
FUZZ_SECONDS ?= 60
FUZZ_NIGHTLY := nightly-2026-10-30
fuzz:
	mkdir -p .cache/fuzz-corpus
	mkdir -p target/fuzz
	cd src-tauri/crates/hrms && $(CARGO) +$(FUZZ_NIGHTLY) fuzz run --target-dir $(CURDIR)/target/fuzz import \
	  $(CURDIR)/.cache/fuzz-corpus fuzz/corpus/import -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  > $(CURDIR)/target/fuzz/import.log 2>&1; status=$$?; tail -n 25 $(CURDIR)/target/fuzz/import.log; exit $$status

# Regenerates ui/src/shared/bindings.ts from the Rust command list.
bindings:
	-$(CARGO) test -p interview-kiosk --lib commands::tests::bindings_are_fresh --quiet
	$(CARGO) test -p interview-kiosk --lib commands::tests::bindings_are_fresh --quiet

# Release builds. The vault benchmark seeds 100,000 candidates and 1,000,000 audit entries
# (about 2 minutes here; BENCH_CANDIDATES / BENCH_AUDIT make it smaller).
bench: setup
	$(CARGO) bench -p manifest
	$(CARGO) bench -p capture
	$(CARGO) bench -p hrms
	$(MAKE) bench-scoring
	$(CARGO) bench -p office
	$(MAKE) bench-follow-up
	$(MAKE) bench-python
	$(MAKE) bench-report
	$(CARGO) bench -p vault --features bench-internals

# Follow-up questions: a 3-minute answer recorded at 640×480, 30 fps with live transcription on
# and off (FOLLOW_UP_BENCH_RUNS, 10; FOLLOW_UP_BENCH_SECONDS, 180).
bench-follow-up: setup
	$(CARGO) bench -p flow --bench follow_up

# Scoring speed per choice of models and decoding, with faster-whisper (CTranslate2) on the same
# weights as the peer, in a private venv hash-pinned by its requirements file (a benchmark tool,
# never part of the product).
FASTER_WHISPER_VENV := .cache/faster-whisper-venv
FASTER_WHISPER_REQ := src-tauri/crates/scoring/benches/requirements-faster-whisper.txt
bench-scoring: setup
	test "$$(cat $(FASTER_WHISPER_VENV)/.requirements-sha256 2>/dev/null)" = "$$(sha256sum $(FASTER_WHISPER_REQ) | cut -d' ' -f1)" || { \
	  rm -rf $(FASTER_WHISPER_VENV) && python3 -m venv $(FASTER_WHISPER_VENV) && \
	  $(FASTER_WHISPER_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: \
	    -r $(FASTER_WHISPER_REQ) && sha256sum $(FASTER_WHISPER_REQ) | cut -d' ' -f1 >$(FASTER_WHISPER_VENV)/.requirements-sha256; }
	FASTER_WHISPER_PYTHON=$(CURDIR)/$(FASTER_WHISPER_VENV)/bin/python $(CARGO) bench -p scoring

# The reference for the ASR figures: Python onnxruntime on the same ONNX files (a private venv;
# versions pinned; a benchmark tool, never part of the product).
BENCH_VENV := .cache/bench-venv
# Reports, and WeasyPrint (pinned; a benchmark peer, never part of the product) rendering the
# equivalent HTML page for comparison.
WEASYPRINT_VENV := .cache/weasyprint-venv
bench-report:
	test -x $(WEASYPRINT_VENV)/bin/python || { python3 -m venv $(WEASYPRINT_VENV) && \
	  $(WEASYPRINT_VENV)/bin/pip install --quiet --disable-pip-version-check weasyprint==70.0; }
	WEASYPRINT_PYTHON=$(CURDIR)/$(WEASYPRINT_VENV)/bin/python $(CARGO) bench -p report

# Cold start to interactive and idle memory of the release app (staff and kiosk windows),
# under Xvfb; STARTUP_BENCH_RUNS (5) and STARTUP_BENCH_IDLE_SECONDS (20).
bench-app: setup ui
	$(CARGO) build --release -p interview-kiosk
	INTERVIEW_KIOSK_BIN=$(CURDIR)/target/release/interview-kiosk $(CARGO) bench -p e2e --bench startup

# The clerk's workspace on 100,000 candidates and a 6-answer review (release build).
bench-workspace: setup ui
	$(CARGO) build --release -p interview-kiosk
	INTERVIEW_KIOSK_BIN=$(CURDIR)/target/release/interview-kiosk $(CARGO) bench -p e2e --bench workspace

# The e2e tests of the first run and the kiosk, saving their screenshots into docs/screenshots
# (every e2e run saves them under target/e2e-screenshots).
screenshots: build
	INTERVIEW_KIOSK_SCREENSHOTS=$(CURDIR)/docs/screenshots $(CARGO) test -p e2e -- kiosk:: workspace:: reports::

bench-python:
	test -x $(BENCH_VENV)/bin/python || { python3 -m venv $(BENCH_VENV) && \
	  $(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check onnxruntime==1.31.1 numpy==2.4.6; }
	$(BENCH_VENV)/bin/python src-tauri/crates/scoring/benches/asr_python.py .cache/assets assets/samples/demo

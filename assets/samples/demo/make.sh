#!/usr/bin/env bash
# Regenerates the demo's sample answers from answers.tsv with espeak-ng (installed by
# installer/setup.sh). The WAVs are committed so that `make demo` does not depend on the
# synthesiser; run this only when answers.tsv changes. Output is deterministic for a given
# espeak-ng version (Debian 12: 1.51).
set -euo pipefail
cd "$(dirname "$0")"
grep -v '^#' answers.tsv | while IFS=$'\t' read -r file _question _lang _text pinyin; do
  espeak-ng -v cmn-latn-pinyin -s 150 -w "$file" "$pinyin"
done

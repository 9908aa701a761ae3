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

# The synthetic camera's picture: NASA's astronaut portrait (public domain; fetched at set-up as
# the `fixture-astronaut` asset from scikit-image), cropped to 4:3 around the face and scaled to
# 640×480 with Debian's ffmpeg.
ffmpeg -loglevel error -y -i ../../../.cache/assets/fixture-astronaut.png \
  -vf "crop=512:384:0:0,scale=640:480" -q:v 4 candidate.jpg

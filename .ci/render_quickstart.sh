#!/bin/sh
# Renders the README image notebooks/quickstart.png (the quickstart from
# "Persistent sampling" to the model shown after the answer chart) through the
# browser check's pipeline, which records the notebook's SHA-256 in the image:
# tests/notebooks/screenshot_test.ts fails when the image shows another version of the
# notebook. Needs .ci/install_jupyter.sh --chromium first.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/.tools/node_modules/.bin:$PATH" deno task browser-check --update-screenshot

#!/bin/sh
# Renders the README image notebooks/quickstart.png: executes the quickstart
# with the Deno kernel, converts the cells from "Persistent sampling" to the
# model stack display to HTML (jupyter nbconvert), and screenshots that with
# headless Chromium. Needs .ci/install_jupyter.sh --chromium first.
set -eu
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 .ci/execute_notebooks.py --output "$work" notebooks/quickstart.ipynb
/usr/bin/python3 - "$work" <<'PY'
import sys, nbformat
path = f"{sys.argv[1]}/quickstart.ipynb"
nb = nbformat.read(path, as_version=4)
start = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Persistent"))
end = next(i for i, c in enumerate(nb.cells) if c.source.strip().rstrip(";") == "batched")
nb.cells = nb.cells[start:end + 1]
nbformat.write(nb, f"{sys.argv[1]}/excerpt.ipynb")
PY
jupyter nbconvert --to html --log-level=WARN "$work/excerpt.ipynb" --output-dir "$work"
mkdir "$work/profile"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --hide-scrollbars --window-size=1000,1640 \
  --screenshot="$work/quickstart.png" "file://$work/excerpt.html" 2>/dev/null
cp "$work/quickstart.png" notebooks/quickstart.png
echo "wrote notebooks/quickstart.png"

#!/bin/sh
# Installs what CI needs to execute the notebooks with the Deno Jupyter kernel
# (Debian packages, about 40 s on a fresh machine; nothing to do when present)
# (the kernel spec is registered per run by execute_notebooks.py). Usage: .ci/install_jupyter.sh [--chromium]
# (--chromium also installs Chromium, for the browser check and the README image).
set -eu
cd "$(dirname "$0")/.."

packages="python3-nbclient python3-nbformat jupyter-client jupyter-core jupyter-nbconvert"
if [ "${1:-}" = "--chromium" ]; then packages="$packages chromium"; fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

# No global kernel spec is written: .ci/execute_notebooks.py registers one for
# the project's pinned Deno under tests/.tmp/jupyter each time it runs (a global
# one would point into this checkout after it is gone). To use the notebooks
# interactively, run: deno jupyter --install
echo "Jupyter ready: $(python3 .ci/execute_notebooks.py --probe 2>&1)"

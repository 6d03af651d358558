#!/bin/sh
# Installs what CI needs to execute the notebooks with the Deno Jupyter kernel
# (Debian packages, about 40 s on a fresh machine; nothing to do when present)
# and registers the kernel with the pinned Deno. Usage: .ci/install_jupyter.sh [--chromium]
# (--chromium also installs headless Chromium, for the README screenshot).
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

# The kernel spec records the path of this deno binary.
deno=""
for candidate in .tools/node_modules/.bin/deno node_modules/.bin/deno "$(command -v deno || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then deno="$candidate" && break; fi
done
if [ -z "$deno" ]; then echo "deno not found: run npm ci --prefix .tools first" >&2 && exit 1; fi
"$deno" jupyter --install --force >/dev/null 2>&1
echo "Jupyter ready: $(jupyter kernelspec list 2>/dev/null | grep -w deno)"

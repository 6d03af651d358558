#!/usr/bin/env python3
"""Executes Jupyter notebooks headlessly with the Deno kernel; fails on any cell error.

Usage: execute_notebooks.py [--output DIR] [--timeout SECONDS] [NOTEBOOK ...]
(default: every notebooks/*.ipynb, executed copies written to tests/.tmp/notebooks/).
       execute_notebooks.py --probe   exits 0 when nbclient and the Deno kernel are
(installed, 3 otherwise, saying what is missing).

Why not `jupyter execute` or `nbconvert --execute`: the Deno kernel sometimes
publishes a cell's last outputs a few milliseconds *after* its `idle` status,
and stock nbclient stops reading IOPub at `idle`, silently dropping them. This
runner keeps reading until IOPub has been quiet for a moment after each cell.
"""

import argparse
import glob
import json
import os
import shutil
import queue
import sys
import time

DEBIAN_PYTHON = "/usr/bin/python3"

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionComplete, CellExecutionError
    from nbclient.util import ensure_async
except ImportError:
    # Debian's python3-nbclient lives in the system Python; another python3
    # (pyenv, venv) may come first on PATH.
    if os.path.exists(DEBIAN_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(
        DEBIAN_PYTHON
    ):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, *sys.argv])
    print("nbclient is missing: run .ci/install_jupyter.sh (Debian: python3-nbclient)", file=sys.stderr)
    sys.exit(3)


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNELS = os.path.join(ROOT, "tests", ".tmp", "jupyter")


def use_project_kernel():
    """Registers a kernel spec named "deno" for the project's pinned Deno, ahead
    of any other (JUPYTER_PATH comes first), so that a global spec left by
    another checkout, or made for another Deno, is never the one that runs."""
    pinned = os.path.join(ROOT, ".tools", "node_modules", ".bin", "deno")
    deno = pinned if os.access(pinned, os.X_OK) else shutil.which("deno")
    if deno is None:
        print("deno not found: run npm ci --prefix .tools", file=sys.stderr)
        sys.exit(3)
    spec = os.path.join(KERNELS, "kernels", "deno")
    os.makedirs(spec, exist_ok=True)
    argv = [os.path.realpath(deno), "jupyter", "--kernel", "--conn", "{connection_file}"]
    with open(os.path.join(spec, "kernel.json"), "w") as f:
        json.dump({"argv": argv, "display_name": "Deno", "language": "typescript"}, f)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in [KERNELS, os.environ.get("JUPYTER_PATH", "")] if p
    )


class SettlingClient(NotebookClient):
    """A NotebookClient that reads IOPub until it is quiet after each cell's `idle`."""

    #: Seconds without an IOPub message that end a cell.
    quiet = 0.25

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=self.quiet))
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def execute(path, output_dir, timeout):
    notebook = nbformat.read(path, as_version=4)
    client = SettlingClient(
        notebook,
        kernel_name="deno",
        timeout=timeout,
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    started = time.monotonic()
    error = None
    try:
        client.execute()
    except CellExecutionError as e:
        error = e
    target = os.path.join(output_dir, os.path.basename(path))
    nbformat.write(notebook, target)
    took = time.monotonic() - started
    if error is not None:
        print(f"FAILED {path} ({took:.1f} s), partial output in {target}:\n{error}", file=sys.stderr)
        return False
    print(f"ok {path} ({took:.1f} s) -> {target}")
    return True


def probe():
    from jupyter_client.kernelspec import KernelSpecManager

    if "deno" not in KernelSpecManager().find_kernel_specs():
        print("the Deno kernel spec could not be registered", file=sys.stderr)
        sys.exit(3)
    print("ready")
    sys.exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--output", default=os.path.join(ROOT, "tests", ".tmp", "notebooks"))
    parser.add_argument("--timeout", type=int, default=180, help="seconds per cell")
    parser.add_argument("--probe", action="store_true", help="only check that Jupyter is ready")
    args = parser.parse_args()
    use_project_kernel()
    if args.probe:
        probe()
    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    if not paths:
        sys.exit("no notebooks to execute")
    # Plain values carry ANSI colours in the Deno kernel unless NO_COLOR is set.
    os.environ["NO_COLOR"] = "1"
    os.makedirs(args.output, exist_ok=True)
    results = [execute(p, args.output, args.timeout) for p in paths]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Executes Jupyter notebooks headlessly with the Deno kernel; fails on any cell error.

Usage: execute_notebooks.py [--output DIR | --in-place] [--timeout SECONDS] [NOTEBOOK ...]
(default: every notebooks/*.ipynb, executed copies written to tests/.tmp/notebooks/;
--in-place writes each notebook back over itself, as `deno task notebooks` does).
       execute_notebooks.py --probe   exits 0 when nbclient and the Deno kernel are
(installed, 3 otherwise, saying what is missing).

Why not `jupyter execute` or `nbconvert --execute`: the Deno kernel (2.x) often
publishes a cell's outputs (its printed lines, its value) *after* the `idle`
status that ends the cell, and stock nbclient stops reading IOPub at `idle`:
the outputs are silently dropped, and the command still exits 0
(.ci/repro_dropped_outputs.py shows it without this library). The kernel
sends a cell's outputs in order, so this runner, after each cell's `idle`,
runs a marker cell (`console.log` of a random token, outside the history) and
reads IOPub until the marker's output arrives: every output of the cell came
before it. No timing is involved.
"""

import argparse
import glob
import json
import os
import queue
import shutil
import sys
import time
import uuid

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
    """A NotebookClient that, after each cell's `idle`, reads IOPub until a
    marker sent after the cell comes back, keeping the cell's late outputs."""

    #: Seconds to wait for the marker before failing (a kernel that hangs).
    marker_timeout = 60

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        token = uuid.uuid4().hex
        marker = self.kc.execute(
            f'console.log("{token}")', silent=False, store_history=False, allow_stdin=False
        )
        deadline = time.monotonic() + self.marker_timeout
        while True:
            try:
                left = max(0.01, deadline - time.monotonic())
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=left))
            except queue.Empty:
                raise TimeoutError(
                    f"the kernel sent no marker within {self.marker_timeout} s after cell "
                    f"{cell_index}: is it still running?"
                ) from None
            parent = msg["parent_header"].get("msg_id")
            if parent == marker:
                if msg["msg_type"] == "stream" and token in msg["content"].get("text", ""):
                    return
            elif parent == parent_msg_id:
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
        # The marker wait happens inside the IOPub reader: allow it the time.
        iopub_timeout=SettlingClient.marker_timeout + 10,
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
    parser.add_argument(
        "--in-place", action="store_true", help="write each notebook back over itself"
    )
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
    results = []
    for path in paths:
        output = os.path.dirname(os.path.abspath(path)) if args.in_place else args.output
        os.makedirs(output, exist_ok=True)
        results.append(execute(path, output, args.timeout))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Minimal reproduction: the Deno kernel publishes outputs after `idle`.

No library code is involved: each execution is `console.log(...)` and a value.
A Jupyter client that stops reading a cell's outputs at its `idle` status (as
`jupyter nbconvert --to notebook --execute` and `jupyter execute` do) loses
every output reported here as "after idle", and still exits 0.

Usage: python3 .ci/repro_dropped_outputs.py [EXECUTIONS]   (default 40)
Needs .ci/install_jupyter.sh; registers the pinned Deno's kernel as
.ci/execute_notebooks.py does. Exits 0 and prints the count either way: the
count depends on timing, so this is a demonstration, not a test.
"""

import os
import queue
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import execute_notebooks  # noqa: E402  (re-executes under Debian's python3 if needed)

from jupyter_client.manager import start_new_kernel  # noqa: E402


def main():
    executions = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    execute_notebooks.use_project_kernel()
    os.environ["NO_COLOR"] = "1"
    km, kc = start_new_kernel(kernel_name="deno")
    late = 0
    try:
        for i in range(executions):
            msg_id = kc.execute(f'console.log("line {i}");\n{i};')
            seen, idle = [], False
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    msg = kc.get_iopub_msg(timeout=0.5)
                except queue.Empty:
                    if idle:
                        break
                    continue
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind == "status":
                    idle = idle or msg["content"]["execution_state"] == "idle"
                elif kind in ("stream", "execute_result", "display_data"):
                    seen.append(f"{kind} after idle" if idle else kind)
            if any("after idle" in s for s in seen):
                late += 1
                print(f"execution {i}: {', '.join(seen)}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(f"{late} of {executions} executions published output after their idle status")


if __name__ == "__main__":
    main()

"""`python -m llama_cpp.server`, with the model's weights kept in plain CPU buffers.

llama.cpp moves weights into "extra" buffer types when the build has them (the AMX buffer of a
build compiled natively on an AMX Xeon, the CPU repack buffer). On a 2-core Xeon with AMX the
native build of llama-cpp-python 0.3.36 loaded the weights into the AMX buffer and the server
died with SIGSEGV on its first completion. `llama_model_params.use_extra_bufts = False` avoids
it, but the server has no flag for that field, so this module wraps the bindings'
`llama_model_default_params` (which `llama_cpp.Llama.__init__` calls to start its model
params) and then runs the server's own command line: every `llama_cpp.server` flag works.

It also exits when the process that started it is gone: a killed `extractor` must not leave a
server behind that keeps both cores busy (uvicorn alone waits for the request in flight).
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

PARENT_ENV = "EXTRACTOR_PARENT_PID"  # set by LocalServer: the process this server serves


def plain_cpu_buffers(bindings: Any) -> None:  # llama_cpp.llama_cpp, which has no type information
    """Make every model loaded through `bindings` (llama_cpp.llama_cpp) skip the extra buffer types."""
    default_params = bindings.llama_model_default_params

    def model_params() -> Any:
        params = default_params()
        params.use_extra_bufts = False
        return params

    bindings.llama_model_default_params = model_params


def exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """End this process (from a daemon thread) once `parent` is no longer its parent: it has
    exited, possibly before this process got here (then at once)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    import llama_cpp.llama_cpp as bindings
    from llama_cpp.server.__main__ import main as serve

    plain_cpu_buffers(bindings)
    exit_with_parent(int(os.environ.get(PARENT_ENV) or os.getppid()))
    sys.argv = ["llama_cpp.server", *(sys.argv[1:] if argv is None else argv)]
    serve()


if __name__ == "__main__":
    main()

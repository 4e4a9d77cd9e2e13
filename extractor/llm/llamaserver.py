"""The embedded model's server process: llama.cpp's own C++ HTTP server (`llama-server`), run
in-process by `xllamacpp` (a prebuilt PyPI wheel: a portable AVX2 build without AVX-512 or AMX
code, so nothing is compiled at install and it runs on any x86-64 CPU with AVX2).

    python -m extractor.llm.llamaserver --model FILE.gguf --model_alias ID --host 127.0.0.1 --port N
                                    [--n_ctx 4096] [--n_threads T] [--n_batch 512]

What it sets beyond those flags, and why (`server_settings`):
- the weights stay in plain CPU buffers (`no_extra_bufts`): llama.cpp moves them into "extra"
  buffer types when a build has them (the AMX buffer of a native build on an AMX Xeon, which
  crashed with SIGSEGV on the first completion there; the CPU repack buffer);
- one slot (`n_parallel` 1): requests are served one after the other, and each reuses the
  longest prefix it shares with the previous prompt (the system message with the reply schema
  is the same for every piece of a kind); a prompt pushed out of the slot is kept in RAM up to
  `cache_ram_mib`, so a kind that comes back later finds its prefix again.

The process ends at once when it gets SIGTERM or SIGINT, and when the process that started it
is gone, so a killed `extractor` leaves no server behind
that keeps both cores busy. llama.cpp logs to this process's stderr (LocalServer sends it to
the log file).
"""
from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from typing import Any

PARENT_ENV = "EXTRACTOR_PARENT_PID"  # set by LocalServer: the process this server serves
PROMPT_CACHE_MIB = 512  # a prompt of 1,500 tokens keeps ~40 MiB of KV cache: about a dozen prompts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m extractor.llm.llamaserver", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="the GGUF file")
    parser.add_argument("--model_alias", required=True, help="the model name requests carry and replies report")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n_ctx", type=int, default=4096, help="context of the one slot (prompt + reply)")
    parser.add_argument("--n_threads", type=int, default=os.cpu_count() or 2,
                        help="threads for prompt evaluation and generation")
    parser.add_argument("--n_batch", type=int, default=512, help="logical and physical batch size")
    return parser.parse_args(argv)


def server_settings(args: argparse.Namespace) -> dict[str, Any]:
    """`xllamacpp.CommonParams` fields to set, by dotted path (`cpuparams.n_threads` is the field
    `n_threads` of `params.cpuparams`)."""
    return {
        "model.path": args.model,
        "model_alias": {args.model_alias},
        "hostnames": [args.host],
        "port": args.port,
        "n_ctx": args.n_ctx,
        "n_parallel": 1,
        "cpuparams.n_threads": args.n_threads,
        "cpuparams_batch.n_threads": args.n_threads,
        "n_batch": args.n_batch,
        "n_ubatch": args.n_batch,
        "no_extra_bufts": True,
        "cache_prompt": True,
        "cache_ram_mib": PROMPT_CACHE_MIB,
    }


def apply_settings(params: Any, settings: dict[str, Any]) -> Any:
    """Set each dotted field of `settings` on `params` (an xllamacpp.CommonParams); returns it."""
    for dotted, value in settings.items():
        *path, field = dotted.split(".")
        target = params
        for name in path:
            target = getattr(target, name)
        setattr(target, field, value)
    return params


def exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """End this process (from a daemon thread) once `parent` is no longer its parent: it has
    exited, possibly before this process got here (then at once)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # every thread started later inherits the mask: sigwait takes them
    exit_with_parent(int(os.environ.get(PARENT_ENV) or os.getppid()))
    import xllamacpp

    _serving = xllamacpp.Server(apply_settings(xllamacpp.CommonParams(), server_settings(args)))  # serves until exit
    signal.sigwait(stop)
    # The server keeps nothing worth saving, so the process ends at once: deleting it with a
    # request in flight waited on that request's HTTP thread and hung (killed after 10 s).
    os._exit(0)


if __name__ == "__main__":
    main()

"""Run chatdesk's benchmark suite and print one JSON object of named results to stdout.

    python benchmarks/run.py            # the full suite
    python benchmarks/run.py --quick    # a short version (what CI runs on every submission)
    python benchmarks/run.py --only stream_scaling,open_scaling

Each benchmark runs in its own Python process (a crash or a leak stays there), offscreen, with
CHATDESK_HOME in a temporary folder that is deleted afterwards: nothing is written elsewhere.
Progress goes to stderr. Missing a target is a result, not a failure: the exit status is
non-zero only when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BENCHMARKS = {
    "startup_ratio": "bench_startup",
    "trim_speedup": "bench_trim",
    "keystroke_scaling": "bench_keystroke",
    "paste_keystroke": "bench_keystroke:paste",
    "stream_scaling": "bench_stream",
    "open_scaling": "bench_open",
    "open_scaling_100k": "bench_open:run_100k",
    "request_overhead": "bench_request",
    "stream_reply_scaling": "bench_reply:scaling",
    "stream_stall": "bench_reply:stall",
    "scroll_scaling": "bench_long:scroll",
    "jump_scaling": "bench_jump",
    "long_reply_open": "bench_long:reply_open",
    "long_line": "bench_long:long_line",
    "autosave_stall": "bench_ui:autosave",
    "preview_scaling": "bench_ui:preview",
    "image_open": "bench_image",
    "library_search": "bench_library:search",
    "library_index_update": "bench_library:index_update",
    "library_startup": "bench_library:startup",
}


def _child(name: str, quick: bool) -> int:
    """Run one benchmark in this process and print its result as JSON."""
    import importlib

    module_name, _, function = BENCHMARKS[name].partition(":")
    module = importlib.import_module(module_name)
    result = getattr(module, function or "run")(quick)
    print(json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller budgets")
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.quick)

    names = list(BENCHMARKS) if not args.only else args.only.split(",")
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    home = tempfile.mkdtemp(prefix="chatdesk-bench-")
    env = dict(os.environ, CHATDESK_HOME=home, QT_QPA_PLATFORM="offscreen")
    env.pop("CHATDESK_EXIT_AFTER_FIRST_PAINT", None)
    results: dict[str, object] = {}
    crashed = []
    started = time.monotonic()
    try:
        for name in names:
            print(f"[bench] {name} …", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            cmd = [sys.executable, str(HERE / "run.py"), "--child", name]
            if args.quick:
                cmd.append("--quick")
            proc = subprocess.run(cmd, env=env, cwd=HERE.parent, stdout=subprocess.PIPE, text=True)
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            if proc.returncode != 0 or not lines:
                crashed.append(name)
                results[name] = {"error": f"crashed (exit {proc.returncode}); see stderr"}
            else:
                results[name] = json.loads(lines[-1])
            took = time.monotonic() - t0
            print(f"[bench] {name}: {results[name]} ({took:.1f} s)", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    results["_meta"] = {
        "quick": args.quick,
        "seconds": round(time.monotonic() - started, 1),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "crashed": crashed,
    }
    print(json.dumps(results, indent=1))
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())

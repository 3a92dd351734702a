"""`python -m bench` runs the whole suite (bench/suite.py) and writes bench/RESULTS.md; `--quick` runs it small and
writes a scratch file instead.

`python -m bench <name> [options]` runs one benchmark (`--help` lists its options) and writes its report to a
scratch file: ack, intake, sla, funnel, burst, memory or storm.
"""

import importlib
import sys

MODULES = {
    "ack": "bench.ack_latency",
    "intake": "bench.intake",
    "sla": "bench.sla_sweep",
    "funnel": "bench.funnel_bench",
    "burst": "bench.burst",
    "memory": "bench.memory",
    "storm": "bench.click_storm",
}


def main(argv: list[str]) -> int:
    if argv[:1] and argv[0] in MODULES:
        code: int = importlib.import_module(MODULES[argv[0]]).main(argv[1:])
        return code
    from bench import suite

    return suite.main(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

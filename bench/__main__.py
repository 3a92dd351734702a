"""`python -m bench` runs every benchmark: the ack latency of an Accept click, the SLA sweep, then `/funnel`.

`python -m bench ack [options]`, `python -m bench sla [options]` or `python -m bench funnel [options]` runs one of
them (`--help` lists its options); options without a benchmark name go to the ack benchmark, as they always have.
"""

import sys

from bench import ack_latency, funnel_bench, sla_sweep


def main(argv: list[str]) -> int:
    if argv[:1] == ["funnel"]:
        return funnel_bench.main(argv[1:])
    if argv[:1] == ["sla"]:
        return sla_sweep.main(argv[1:])
    if argv[:1] == ["ack"]:
        return ack_latency.main(argv[1:])
    if argv:
        return ack_latency.main(argv)
    return ack_latency.main([]) or sla_sweep.main([]) or funnel_bench.main([])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

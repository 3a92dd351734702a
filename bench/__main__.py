"""`python -m bench` runs every benchmark (today: the ack latency of an Accept click)."""

from bench.ack_latency import main

if __name__ == "__main__":
    raise SystemExit(main())

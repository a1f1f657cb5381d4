"""`python -m serve --replicas N [--address A] [--port P]`: N replicas of the app behind nginx.

Ctrl+C or SIGTERM stops nginx and every replica."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

from serve.plan import ServeError, describe, make_plan
from serve.supervisor import Supervisor


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m serve", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replicas", type=int, default=2, help="app processes on this box (default 2)"
    )
    parser.add_argument("--address", default="localhost", help="where nginx listens")
    parser.add_argument("--port", type=int, default=8501, help="nginx's port (default 8501)")
    parser.add_argument(
        "--first-replica-port",
        type=int,
        default=None,
        help="the replicas listen on 127.0.0.1 from this port on (default: --port + 1)",
    )
    parser.add_argument(
        "--run-dir", type=Path, default=None, help="nginx.conf and logs (default: a temp folder)"
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="pin each replica to its own CPUs (off by default: on a box that also runs other "
        "work, pinned replicas answered slower in `bench lecture --through-proxy`)",
    )
    parser.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="IP:PORT",
        help="a replica on another box, behind this nginx too (repeatable; with --replicas 0 "
        "this box runs nginx alone)",
    )
    parser.add_argument(
        "--no-proxy",
        action="store_true",
        help="start the replicas only, for a front nginx on another box",
    )
    parser.add_argument(
        "--replica-address",
        default="127.0.0.1",
        help="where the replicas listen (default 127.0.0.1; 0.0.0.0 with --no-proxy so that a "
        "front box reaches them: firewall their ports from everyone else)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="playground-serve-"))
    try:
        plan = make_plan(
            args.replicas,
            port=args.port,
            address=args.address,
            first_replica_port=args.first_replica_port,
            run_dir=run_dir,
            upstreams=args.upstream,
            proxy=not args.no_proxy,
            replica_bind=args.replica_address,
        )
        supervisor = Supervisor(plan, pin=args.pin)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: supervisor.request_stop())
        supervisor.start()
    except ServeError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    print("\n".join(describe(plan)), flush=True)
    supervisor.run()  # returns when a signal sets the stop flag
    supervisor.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

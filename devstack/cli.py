"""`python -m devstack up|down|status|logs|run|clean|provision|test` (the Makefile's targets)."""

import argparse
import json
import shutil
import signal
import sys
import time

from devstack import config, observability, provision, stack, suites
from devstack.errors import StackError
from devstack.progress import say


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:
        sys.exit(suites.run(argv[1:]))
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    prov = sub.add_parser("provision", help="fetch and build every pinned part")
    prov.add_argument("--browser", action="store_true", help="also install Debian's Chromium")
    prov.add_argument(
        "--cluster", action="store_true", help="also the local cluster's binaries and images"
    )
    prov.add_argument("--part", choices=sorted(provision.STEPS), help="only this part")
    up = sub.add_parser("up", help="start every part that is not running, in order")
    up.add_argument(
        "--infra",
        action="store_true",
        help="only PostgreSQL, Kafka, the scheduler and migrations (for `dapr run -f .`)",
    )
    sub.add_parser("down", help="stop every part this stack started; keep data")
    sub.add_parser("clean", help="stop everything and delete the stack's data")
    sub.add_parser("status", help="each part's state").add_argument("--json", action="store_true")
    sub.add_parser("logs", help="follow every part's log")
    sub.add_parser("run", help="up, then follow logs; Ctrl-C stops everything")
    # Its arguments are pytest's, passed on untouched (main() takes them before argparse).
    sub.add_parser("test", help="the whole suite; with pytest arguments, one pytest run of them")
    cluster = sub.add_parser("cluster", help="the local single-node Kubernetes cluster")
    cluster.add_argument("action", choices=["up", "down", "status", "release", "rehearse"])
    cluster.add_argument("--json", action="store_true", help="status for machines")
    args = parser.parse_args(argv)
    try:
        cfg = config.load()
        _dispatch(args, cfg)
    except StackError as exc:
        sys.exit(f"[devstack] error: {exc}")
    except KeyboardInterrupt:
        sys.exit(130)


def _dispatch(args: argparse.Namespace, cfg: config.StackConfig) -> None:
    if args.command == "provision":
        if args.part:
            provision.STEPS[args.part]()
        else:
            provision.ensure_all(browser=args.browser, cluster=args.cluster)
    elif args.command == "up":
        provision.ensure_all()
        stack.up(cfg, infra_only=args.infra)
    elif args.command == "down":
        stack.down(cfg)
    elif args.command == "clean":
        stack.down(cfg)
        shutil.rmtree(cfg.data_dir, ignore_errors=True)
        pg = stack.parts._pg_data_dir(cfg).parent  # noqa: SLF001
        if pg != cfg.data_dir:
            shutil.rmtree(pg, ignore_errors=True)
        say(f"removed {cfg.data_dir}")
    elif args.command == "status":
        _print_status(cfg, as_json=args.json)
    elif args.command == "logs":
        follow_logs(cfg)
    elif args.command == "cluster":
        _cluster(args.action, as_json=args.json)
    elif args.command == "run":
        _stop_on_signals()
        provision.ensure_all()
        stack.up(cfg)
        try:
            follow_logs(cfg)
        except KeyboardInterrupt:
            print()
            say("interrupted: stopping the stack")
            stack.down(cfg)


def _cluster(action: str, as_json: bool) -> None:
    # Imported here: the cluster's modules are for root on a machine that can run it.
    from devstack.cluster import lifecycle

    if action == "up":
        lifecycle.up()
    elif action == "down":
        lifecycle.down()
    elif action == "release":
        lifecycle.release()
    elif action == "rehearse":
        lifecycle.rehearse()
    else:
        lifecycle.print_status(as_json)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Ctrl-C, or a TERM from a supervisor, ends `run` by stopping the stack. Set explicitly:
    a shell without job control starts background commands with SIGINT ignored."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def _print_status(cfg: config.StackConfig, as_json: bool) -> None:
    rows = stack.status(cfg)
    if as_json:
        parts = [r.as_dict() for r in rows]
        urls = observability.urls(cfg)
        print(json.dumps({"stack": cfg.name, "parts": parts, "urls": urls}, indent=2))
        return
    print(f"stack '{cfg.name}' ({cfg.data_dir})")
    for r in rows:
        ports = ", ".join(str(p) for p in r.ports.values())
        print(f"  {r.name:<18} {r.state:<10} pid {r.pid or '-':<8} ports {ports:<32} {r.log}")
    for what, url in observability.urls(cfg).items():
        print(f"  {what:<18} {url}")


def follow_logs(cfg: config.StackConfig) -> None:
    """Like `tail -F` over every part's log, each line prefixed with its part."""
    offsets: dict[str, int] = {}
    # Every replica a worker may have; logs not (yet) there are skipped.
    parts = stack.all_parts(stack.MAX_WORKER_REPLICAS)
    width = max(len(p.name) for p in parts)
    while True:
        for part in parts:
            path = part.log(cfg)
            if not path.exists():
                continue
            size = path.stat().st_size
            start = offsets.get(part.name, max(0, size - 2000))
            if size < start:
                start = 0
            if size > start:
                with open(path, "rb") as f:
                    f.seek(start)
                    chunk = f.read(size - start).decode(errors="replace")
                for line in chunk.splitlines():
                    print(f"{part.name:<{width}} | {line}", flush=True)
                offsets[part.name] = size
        time.sleep(0.5)


if __name__ == "__main__":
    main()

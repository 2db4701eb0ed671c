"""`triage` command line: classify | backfill | serve | train | evaluate | export-annotations | load-demo."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _classify(args) -> int:
    from triage.batch import InputError, classify_file
    from triage.config import get_settings
    from triage.pipeline.pipeline import ModelNotFound, load_pipeline

    src, dst = Path(args.input), Path(args.out)
    if not src.is_file():
        print(f"error: {src} does not exist", file=sys.stderr)
        return 2
    try:
        pipeline = load_pipeline(args.model)
        report = classify_file(pipeline, src, dst, max_chars=get_settings().max_text_chars,
                               progress=not args.quiet)
    except (InputError, ModelNotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"classified {report.written} of {report.read} records -> {dst}; {len(report.bad)} skipped "
          f"(see the line numbers above)" if report.bad else
          f"classified {report.written} of {report.read} records -> {dst}", file=sys.stderr)
    return 1 if report.read and not report.written else 0


def _backfill(args) -> int:
    import distributed  # noqa: F401  (its import sets its loggers' levels: quieten them after it)

    from triage.backfill import BackfillError, backfill

    logging.getLogger("distributed").setLevel(logging.WARNING)  # not the cluster's start and stop chatter
    try:
        m = backfill(args.input, args.out, partition_lines=args.partition_lines, workers=args.workers,
                     scheduler_address=args.scheduler_address, model_dir=args.model, progress=not args.quiet)
    except BackfillError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    rate = m["written"] / m["seconds"] if m["seconds"] else 0.0
    print(f"back-filled {m['written']} of {m['records']} records in {len(m['partitions'])} partitions on "
          f"{m['workers']} workers -> {args.out} ({m['seconds']:.1f} s, {rate:.1f} items/s)"
          + (f"; {len(m['bad'])} skipped (see the line numbers above and in manifest.json)" if m["bad"] else ""),
          file=sys.stderr)
    return 1 if m["records"] and not m["written"] else 0


def _serve(args) -> int:
    import uvicorn

    from api.app import create_app

    if args.demo:
        from triage.demo import load_demo

        load_demo()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info", access_log=False)
    return 0


def _train(args) -> int:
    from training.train import main

    main(out=args.out, limit=args.limit)
    return 0


def _evaluate(args) -> int:
    from training.evaluate import main

    main(model_dir=args.model, out=args.out, limit=args.limit, peer=not args.no_peer)
    return 0


def _export(args) -> int:
    from triage.config import get_settings
    from triage.export import export_annotations
    from triage.store.db import make_engine, session

    with session(make_engine(args.database_url or get_settings().database_url)) as db:
        n = export_annotations(db, Path(args.out), redact=not args.raw)
    print(f"exported {n} reviewed items -> {args.out}", file=sys.stderr)
    return 0


def _users(args) -> int:
    from triage.config import get_settings
    from triage.store.db import make_engine, session
    from triage.store.users import UserError, create_user

    with session(make_engine(args.database_url or get_settings().database_url)) as db:
        if args.action == "create":
            try:
                user, token = create_user(db, name=args.name, role=args.role)
            except UserError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            print(f"created {user.name} ({user.role}). API token (shown once, store it safely):", file=sys.stderr)
            print(token)
        else:
            from sqlmodel import select

            from triage.store.tables import User

            for u in db.exec(select(User).order_by(User.id)):
                print(f"{u.id}\t{u.name}\t{u.role}\t{'active' if u.active else 'inactive'}")
    return 0


def _providers(args) -> int:
    from triage.config import get_settings
    from triage.store.db import make_engine, session
    from triage.store.providers import ProviderFileError, load_providers

    with session(make_engine(args.database_url or get_settings().database_url)) as db:
        try:
            n = load_providers(db, Path(args.file))
        except (ProviderFileError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"loaded {n} providers and locations", file=sys.stderr)
    return 0


def _load_demo(args) -> int:
    from triage.demo import load_demo

    n = load_demo(force=args.force)
    print(f"demo: {n} items loaded", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    p = argparse.ArgumentParser(prog="triage", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("classify", help="classify a CSV (id,text) or JSONL file into JSONL")
    c.add_argument("input")
    c.add_argument("--out", required=True)
    c.add_argument("--model", default=None, help="model directory (default: TRIAGE_MODEL_DIR)")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.set_defaults(fn=_classify)
    b = sub.add_parser("backfill", help="classify a large CSV/JSONL file on a Dask cluster into DIR/part-*.jsonl")
    b.add_argument("input")
    b.add_argument("--out", required=True, help="output directory (new or empty)")
    b.add_argument("--partition-lines", type=int, default=5000, help="lines per partition (default 5000)")
    b.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    b.add_argument("--scheduler-address", default=None,
                   help="run on an existing Dask cluster (tcp://host:8786) instead of a local one")
    b.add_argument("--model", default=None, help="model directory (default: TRIAGE_MODEL_DIR)")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(fn=_backfill)
    s = sub.add_parser("serve", help="run the HTTP service (DATABASE_URL selects the database)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--demo", action="store_true", help="load the demo data set first if the database is empty")
    s.set_defaults(fn=_serve)
    t = sub.add_parser("train", help="train every head and write models/triage/v1")
    t.add_argument("--out", default=None)
    t.add_argument("--limit", type=int, default=None, help="train on a random subset (quick check)")
    t.set_defaults(fn=_train)
    e = sub.add_parser("evaluate", help="evaluate on the held-out splits; writes a JSON report and a summary")
    e.add_argument("--model", default=None)
    e.add_argument("--out", default="reports/evaluation")
    e.add_argument("--limit", type=int, default=None, help="at most N items per held-out data set")
    e.add_argument("--no-peer", action="store_true", help="skip the peer recipe (TF-IDF + SVM) side by side")
    e.set_defaults(fn=_evaluate)
    x = sub.add_parser("export-annotations", help="export reviewers' decisions in the gold JSONL format")
    x.add_argument("--out", required=True)
    x.add_argument("--database-url", default=None)
    x.add_argument("--raw", action="store_true", help="keep personal data (default: redacted with Presidio)")
    x.set_defaults(fn=_export)
    u = sub.add_parser("users", help="manage API users: create NAME --role ROLE | list")
    usub = u.add_subparsers(dest="action", required=True)
    uc = usub.add_parser("create", help="create a user and print its API token once")
    uc.add_argument("name")
    uc.add_argument("--role", required=True, choices=["intake", "reviewer", "safeguarding_lead", "inspector", "admin"])
    uc.add_argument("--database-url", default=None)
    ul = usub.add_parser("list", help="list users (never their tokens)")
    ul.add_argument("--database-url", default=None)
    u.set_defaults(fn=_users)
    pv = sub.add_parser("providers", help="load providers and locations: providers load FILE.csv")
    pv.add_argument("action", choices=["load"])
    pv.add_argument("file")
    pv.add_argument("--database-url", default=None)
    pv.set_defaults(fn=_providers)
    d = sub.add_parser("load-demo", help="load the demo data set (real text, demo providers)")
    d.add_argument("--force", action="store_true")
    d.set_defaults(fn=_load_demo)
    args = p.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m sandbox`: the local stand-ins for the outside sources, on one port.

python -m sandbox                      # portal at http://127.0.0.1:5050/portal/login
python -m sandbox --portal-rows 1000 --portal-page-size 100 --control
"""

from __future__ import annotations

import argparse
import logging

from werkzeug.serving import make_server

from sandbox import portal
from sandbox.server import DAILYMED_PREFIX, create_sandbox_app, load_dailymed_module


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Local stand-ins for the payer portal and DailyMed."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=5050, help="port to listen on (5050)")
    parser.add_argument(
        "--control",
        action="store_true",
        help="enable POST /_control/... endpoints that change the data (tests, demos)",
    )
    parser.add_argument("--secret-key", help="session signing key (random per start)")
    portal.add_arguments(parser)
    dailymed = load_dailymed_module()
    if dailymed is not None:
        dailymed.add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    dailymed = load_dailymed_module()
    app = create_sandbox_app(
        portal.state_from_args(args),
        dailymed.state_from_args(args) if dailymed is not None else None,
        control=args.control,
        secret_key=args.secret_key,
    )
    base_url = f"http://{args.host}:{args.port}"
    print(f"Sandbox portal:   {base_url}/portal  (PORTAL_BASE_URL, profile 'sandbox')")
    if dailymed is not None:
        print(f"Sandbox DailyMed: {base_url}{DAILYMED_PREFIX}")
    if args.control:
        print(f"Control API:      {base_url}/_control/portal")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = make_server(args.host, args.port, app, threaded=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

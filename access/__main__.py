"""``python -m access check --address ADDR [--secrets PATH]``: may the dashboard start there?

Exit 0 when users are configured (or OIDC is), or the address is loopback (single-user mode);
exit 1 with a message when the address is reachable from other computers and nobody is set up
to sign in. ``make run ADDRESS=…`` runs it before starting the server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from access import secrets_file
from access.users import UsersError, users_from_secrets

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m access")
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--secrets", type=Path, default=secrets_file.DEFAULT_PATH)
    args = parser.parse_args(argv)
    secrets = secrets_file.read(args.secrets)
    try:
        users = users_from_secrets(secrets)
    except UsersError as exc:
        print(f"{args.secrets}: {exc}", file=sys.stderr)
        return 1
    if users or secrets.get("auth") or args.address in LOOPBACK:
        mode = f"{len(users)} users" if users else ("OIDC sign-in" if secrets.get("auth") else "single-user mode")
        print(f"access: {mode} on {args.address}")
        return 0
    print(f"refusing to serve on {args.address}: no users are configured, so anyone could see everything. "
          "Add users with `python -m warehouse user add NAME --role admin`, or run on 127.0.0.1.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

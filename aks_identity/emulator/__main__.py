"""``python -m aks_identity.emulator``: run the ARM emulator standalone until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from aks_identity.emulator._emulator import Emulator
from aks_identity.emulator._tokens import DEFAULT_TOKEN_LIFETIME

_USAGE = """\
ARM emulator running (Ctrl-C to stop)
  URL:             {url}
  subscription:    {subscription}
  tenant:          {tenant}
  CA bundle:       {ca}
  token file:      {token_file}   (bearer token of the subscription Owner)

Python:
  from aks_identity.emulator import TokenFileCredential
  from azure.mgmt.msi import ManagedServiceIdentityClient
  client = ManagedServiceIdentityClient(
      TokenFileCredential("{token_file}"), "{subscription}",
      base_url="{url}", connection_verify="{ca}")

curl:
  curl --cacert {ca} -H "Authorization: Bearer $(cat {token_file})" \\
       "{url}/subscriptions/{subscription}/resourcegroups?api-version=2021-04-01"
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m aks_identity.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clock", choices=("real", "virtual"), default="real")
    parser.add_argument("--time-scale", type=float, default=1.0, help="real clock speed-up")
    parser.add_argument("--propagation-delay", type=float, default=0.0, help="seconds")
    parser.add_argument("--replication-delay", type=float, default=0.0, help="seconds")
    parser.add_argument("--lro-duration", type=float, default=30.0, help="seconds")
    parser.add_argument(
        "--access-token-lifetime",
        type=float,
        default=None,
        help="seconds a bearer token lives (default: Entra's, a random 60-90 minutes)",
    )
    parser.add_argument(
        "--az",
        action="store_true",
        help="also print how to point the real Azure CLI at this emulator (creates a "
        "service principal holding Owner and a CA bundle joined with the system's)",
    )
    parser.add_argument(
        "--az-config-dir", default=None, help="AZURE_CONFIG_DIR for --az (default: temporary)"
    )
    return parser


_AZ_USAGE = """
Azure CLI (paste into a shell; every request stays on 127.0.0.1):
{setup}
"""


def _keep_token_file(
    emulator: Emulator, path: str, stop: threading.Event, poll: float = 1.0
) -> None:
    """Write the Owner's token to ``path`` and rewrite it five emulated minutes before expiry.

    The clock is looked at every ``poll`` wall seconds at most: it may jump (virtual clock).
    """
    tokens = emulator.state.tokens
    scale = float(getattr(emulator.clock, "time_scale", 1.0))
    while True:
        issued = tokens.issue(emulator.caller_id)
        partial = f"{path}.new"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(issued.token)
        os.replace(partial, path)  # readers never see a half-written token
        while issued.expires_on - tokens.unix_now() > 300:
            wall = (issued.expires_on - tokens.unix_now() - 300) / scale
            if stop.wait(min(poll, max(0.01, wall))):
                return


def main(argv: Sequence[str] | None = None) -> int:
    """Start the emulator, print how to reach it, serve until interrupted."""
    args = _parser().parse_args(argv)
    emulator = Emulator(
        args.clock,
        time_scale=args.time_scale,
        seed=args.seed,
        propagation_delay=args.propagation_delay,
        replication_delay=args.replication_delay,
        lro_duration=args.lro_duration,
        port=args.port,
        access_token_lifetime=(
            DEFAULT_TOKEN_LIFETIME
            if args.access_token_lifetime is None
            else args.access_token_lifetime
        ),
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    stop = threading.Event()
    with emulator:
        token_file = os.path.join(os.path.dirname(emulator.ca_bundle), "token")
        keeper = threading.Thread(
            target=_keep_token_file, args=(emulator, token_file, stop), daemon=True
        )
        keeper.start()
        while not os.path.exists(token_file):
            stop.wait(0.01)
        print(
            _USAGE.format(
                url=emulator.url,
                subscription=emulator.subscription_id,
                tenant=emulator.tenant_id,
                ca=emulator.ca_bundle,
                token_file=token_file,
            ),
            flush=True,
        )
        if args.az:
            print(_AZ_USAGE.format(setup=emulator.az_setup(args.az_config_dir).text), flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
        finally:
            stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Point the real Azure CLI at the emulator: a config directory, a CA bundle, the commands.

``az`` then registers the emulator as a cloud from its ``/metadata/endpoints``, signs in
with a service principal at the emulator's Entra ID token endpoint, and reaches ARM and
Microsoft Graph on the same origin. ``core.instance_discovery=false`` stops MSAL asking the
public cloud's discovery endpoint first; telemetry and the survey prompt are switched off so
that nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["AzSetup", "ca_bundle_with_system", "az_setup_commands"]


def ca_bundle_with_system(emulator_ca: str, target: Path) -> Path:
    """Write the emulator's CA followed by the system's (certifi) bundle to ``target``."""
    import certifi

    parts = [Path(emulator_ca).read_text(encoding="ascii")]
    parts.append(Path(certifi.where()).read_text(encoding="ascii"))
    target.write_text("\n".join(p.strip() + "\n" for p in parts), encoding="ascii")
    return target


def az_setup_commands(url: str, client_id: str, secret: str, tenant_id: str) -> list[list[str]]:
    """The ``az`` invocations (argument lists, without ``az``) that sign in to the emulator."""
    return [
        ["config", "set", "core.instance_discovery=false"],
        ["config", "set", "core.collect_telemetry=false"],
        ["config", "set", "core.survey_message=false"],
        ["cloud", "register", "-n", "Emulator", "--endpoint-resource-manager", url],
        ["cloud", "set", "-n", "Emulator"],
        [
            "login",
            "--service-principal",
            "-u",
            client_id,
            "-p",
            secret,
            "--tenant",
            tenant_id,
        ],
    ]


@dataclass(frozen=True)
class AzSetup:
    """How to run ``az`` against one emulator: environment and commands, in order."""

    config_dir: str
    ca_bundle: str
    client_id: str
    object_id: str
    tenant_id: str
    subscription_id: str
    commands: tuple[tuple[str, ...], ...] = field(repr=False)

    @property
    def env(self) -> dict[str, str]:
        """Environment variables every ``az`` call needs."""
        return {"AZURE_CONFIG_DIR": self.config_dir, "REQUESTS_CA_BUNDLE": self.ca_bundle}

    def environ(self) -> dict[str, str]:
        """``os.environ`` with :attr:`env` applied (for ``subprocess``)."""
        return {**os.environ, **self.env}

    @property
    def text(self) -> str:
        """The set-up as shell lines to paste (it contains the service principal's secret)."""
        lines = [f"export {k}={shlex.quote(v)}" for k, v in self.env.items()]
        lines += [shlex.join(["az", *command]) for command in self.commands]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text

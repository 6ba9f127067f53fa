"""``import aks_identity`` loads no SDK: clients, models, azure.identity, tqdm and tenacity
come on first use (benchmarks/import_cost.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys

import aks_identity as aki
from aks_identity._azure._pipeline import CLOUDS


def test_import_loads_no_sdk_nor_progress_nor_retry_library() -> None:
    code = (
        "import json, sys, aks_identity;"
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       check=True).stdout
    )
    heavy = [m for m in loaded if m.split(".")[0] in {"azure", "tqdm", "tenacity", "requests"}]
    assert heavy == [], heavy
    # the fleet (Resource Graph, threads, journals) loads when aki.Fleet is first used
    assert "aks_identity._fleet" not in loaded


def test_fleet_names_load_on_first_use() -> None:
    code = (
        "import sys, aks_identity as aki; assert 'aks_identity._fleet' not in sys.modules;"
        "assert 'Fleet' in dir(aki); fleet = aki.Fleet;"
        "assert 'aks_identity._fleet' in sys.modules and fleet.__name__ == 'Fleet'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_version_comes_from_the_installed_metadata() -> None:
    from importlib.metadata import version

    assert aki.__version__ == version("aks-identity")


def test_authority_hosts_written_out_are_the_sdks() -> None:
    from azure.identity import AzureAuthorityHosts

    hosts = {name: host for name, (_, host) in CLOUDS.items()}
    assert hosts == {
        "AzureCloud": AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
        "AzureUSGovernment": AzureAuthorityHosts.AZURE_GOVERNMENT,
        "AzureChinaCloud": AzureAuthorityHosts.AZURE_CHINA,
    }

"""The guide's 13 commands, in order, with the real Azure CLI 2.91.0 against the emulator.

Each step asserts what the CLI printed and what it made the emulator hold (role
assignments the CLI created on the user's behalf included). The tests share one emulator
and run in file order: each step builds on the ones before, as in the guide.
"""

from __future__ import annotations

import base64
from typing import Any

from aks_identity.emulator import Delay, Emulator

from .conftest import Cli, Run

RG = "myResourceGroup"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
MANAGED_IDENTITY_OPERATOR = "f1a07417-d97a-45cb-824c-7a7467783830"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
NEWEST_IMAGE = "AKSUbuntu-2204gen2containerd-209901.01.0"

state: dict[str, Any] = {}


def _group(emu: Emulator) -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}"


def _has_assignment(emu: Emulator, principal_id: str, role: str, scope: str) -> bool:
    with emu.state.lock:
        return any(
            a.principal_id == principal_id
            and a.role_guid == role
            and a.scope.lower() == scope.lower()
            for a in emu.state.rbac.all()
        )


def test_01_group_create(az: Cli) -> None:
    group = az("group", "create", "--name", RG, "--location", "westus2").json()
    assert (group["name"], group["location"]) == (RG, "westus2")
    assert group["properties"]["provisioningState"] == "Succeeded"


def test_02_aks_create_system_assigned(az: Cli, emu: Emulator) -> None:
    cluster = az(
        "aks",
        "create",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster",
        "--generate-ssh-keys",
    ).json()
    assert cluster["identity"]["type"] == "SystemAssigned"
    assert cluster["provisioningState"] == "Succeeded"
    state["system_principal"] = cluster["identity"]["principalId"]
    with emu.state.lock:
        principal = emu.state.directory.get(state["system_principal"])
    assert principal is not None
    state["system_principal_app_id"] = principal.client_id


def test_03_aks_show_principal_id(az: Cli) -> None:
    shown = az(
        "aks",
        "show",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster",
        "--query",
        "identity.principalId",
        "--output",
        "tsv",
    ).text
    assert shown == state["system_principal"]


def test_04_role_assignment_create(az: Cli, emu: Emulator) -> None:
    made = az(
        "role",
        "assignment",
        "create",
        "--assignee",
        state["system_principal"],
        "--role",
        "Network Contributor",
        "--scope",
        _group(emu),
    )
    assignment = made.json()
    assert assignment["principalId"] == state["system_principal"]
    assert assignment["principalType"] == "ServicePrincipal"
    assert assignment["roleDefinitionId"].endswith(NETWORK_CONTRIBUTOR)
    assert assignment["scope"] == _group(emu)
    assert any("/v1.0/directoryObjects/getByIds" in r for r in made.requests)  # --assignee
    assert _has_assignment(emu, state["system_principal"], NETWORK_CONTRIBUTOR, _group(emu))


def test_05_identity_create(az: Cli, emu: Emulator) -> None:
    identity = az("identity", "create", "--name", "myIdentity", "--resource-group", RG).json()
    assert identity["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities"
    assert identity["tenantId"] == emu.tenant_id
    state["identity"] = identity


def test_06_identity_show_principal_id(az: Cli) -> None:
    shown = az(
        "identity",
        "show",
        "--name",
        "myIdentity",
        "--resource-group",
        RG,
        "--query",
        "principalId",
        "--output",
        "tsv",
    ).text
    assert shown == state["identity"]["principalId"]


def test_07_aks_create_user_assigned_on_a_subnet(az: Cli, emu: Emulator) -> None:
    # The guide's prerequisite, made with the CLI too (the emulator stores it generically).
    subnet = az(
        "network",
        "vnet",
        "create",
        "--resource-group",
        RG,
        "--name",
        "myVnet",
        "--address-prefixes",
        "10.0.0.0/8",
        "--subnet-name",
        "mySubnet",
        "--subnet-prefixes",
        "10.240.0.0/16",
        "--query",
        "newVNet.subnets[0].id",
        "-o",
        "tsv",
    ).text
    assert subnet.lower().endswith("/virtualnetworks/myvnet/subnets/mysubnet")
    cluster = az(
        "aks",
        "create",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster2",
        "--network-plugin",
        "azure",
        "--vnet-subnet-id",
        subnet,
        "--dns-service-ip",
        "10.2.0.10",
        "--service-cidr",
        "10.2.0.0/24",
        "--assign-identity",
        state["identity"]["id"],
        "--generate-ssh-keys",
    ).json()
    assert cluster["identity"]["type"] == "UserAssigned"
    [attached] = cluster["identity"]["userAssignedIdentities"]
    assert attached.lower() == state["identity"]["id"].lower()
    network = cluster["networkProfile"]
    assert (network["networkPlugin"], network["serviceCidr"], network["dnsServiceIp"]) == (
        "azure",
        "10.2.0.0/24",
        "10.2.0.10",
    )
    assert cluster["agentPoolProfiles"][0]["vnetSubnetId"].lower() == subnet.lower()
    # the CLI grants the control-plane identity Network Contributor on the subnet
    assert _has_assignment(emu, state["identity"]["principalId"], NETWORK_CONTRIBUTOR, subnet)


def test_08_aks_update_to_user_assigned(az: Cli) -> None:
    cluster = az(
        "aks",
        "update",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster",
        "--enable-managed-identity",
        "--assign-identity",
        state["identity"]["id"],
        "--yes",
    ).json()
    assert cluster["identity"]["type"] == "UserAssigned"


def test_09_aks_show_identity_type(az: Cli) -> None:
    shown = az(
        "aks",
        "show",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster",
        "--query",
        "identity.type",
        "--output",
        "tsv",
    ).text
    assert shown == "UserAssigned"


def test_10_aks_create_with_kubelet_identity(az: Cli, emu: Emulator) -> None:
    kubelet = az("identity", "create", "--name", "myKubeletIdentity", "--resource-group", RG)
    state["kubelet"] = kubelet.json()
    cluster = az(
        "aks",
        "create",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster3",
        "--assign-identity",
        state["identity"]["id"],
        "--assign-kubelet-identity",
        state["kubelet"]["id"],
        "--generate-ssh-keys",
    ).json()
    profile = cluster["identityProfile"]["kubeletidentity"]
    assert profile["resourceId"].lower() == state["kubelet"]["id"].lower()
    # the CLI grants the control plane Managed Identity Operator over the kubelet identity
    assert _has_assignment(
        emu, state["identity"]["principalId"], MANAGED_IDENTITY_OPERATOR, state["kubelet"]["id"]
    )


def test_11_aks_show_kubelet_identity(az: Cli) -> None:
    profile = az(
        "aks",
        "show",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster3",
        "--query",
        "identityProfile.kubeletidentity",
    ).json()
    assert profile["resourceId"].lower() == state["kubelet"]["id"].lower()
    assert profile["clientId"] == state["kubelet"]["clientId"]
    assert profile["objectId"] == state["kubelet"]["principalId"]


def test_12_aks_update_attach_acr(az: Cli, emu: Emulator) -> None:
    registry = az(
        "acr",
        "create",
        "--resource-group",
        RG,
        "--name",
        "myregistry",
        "--sku",
        "Basic",
        "--query",
        "id",
        "-o",
        "tsv",
    ).text
    az(
        "aks",
        "update",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster3",
        "--attach-acr",
        registry,
    )
    assert _has_assignment(emu, state["kubelet"]["principalId"], ACR_PULL, registry), [
        (a.principal_id, a.role_guid, a.scope) for a in emu.state.rbac.all()
    ]


def test_13_aks_nodepool_upgrade_node_image_only(az: Cli, emu: Emulator) -> None:
    emu.set_newest_node_image(NEWEST_IMAGE)
    az(
        "aks",
        "nodepool",
        "upgrade",
        "--resource-group",
        RG,
        "--cluster-name",
        "myManagedCluster3",
        "--name",
        "nodepool1",
        "--node-image-only",
        "--yes",
    )
    image = az(
        "aks",
        "nodepool",
        "show",
        "--resource-group",
        RG,
        "--cluster-name",
        "myManagedCluster3",
        "--name",
        "nodepool1",
        "--query",
        "nodeImageVersion",
        "-o",
        "tsv",
    ).text
    assert image == NEWEST_IMAGE


def test_14_get_upgrades(az: Cli) -> None:
    cluster = az(
        "aks", "get-upgrades", "--resource-group", RG, "--name", "myManagedCluster3"
    ).json()
    assert cluster["controlPlaneProfile"]["kubernetesVersion"]
    pool = az(
        "aks",
        "nodepool",
        "get-upgrades",
        "--resource-group",
        RG,
        "--cluster-name",
        "myManagedCluster3",
        "--nodepool-name",
        "nodepool1",
    ).json()
    assert pool["latestNodeImageVersion"] == NEWEST_IMAGE


def test_15_get_credentials(az: Cli, tmp_path: Any) -> None:
    target = tmp_path / "kubeconfig"
    az(
        "aks",
        "get-credentials",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster3",
        "--file",
        str(target),
    )
    fqdn = az(
        "aks",
        "show",
        "--resource-group",
        RG,
        "--name",
        "myManagedCluster3",
        "--query",
        "fqdn",
        "-o",
        "tsv",
    ).text
    written = target.read_text()
    assert f"server: https://{fqdn}:443" in written
    assert "current-context: myManagedCluster3" in written
    assert base64.b64decode(
        next(x for x in written.splitlines() if "client-certificate-data" in x).split(": ")[1]
    ).startswith(b"-----BEGIN CERTIFICATE-----")


def test_16_role_assignment_waits_for_replication(az: Cli, emu: Emulator) -> None:
    """With a 60 s Entra replication delay the CLI's --assignee lookup finds nothing in Graph
    (it says so and fails, as against Azure); once 60 s have passed the same command works.
    The emulator's virtual clock serves the separate az process: the test moves it forward.
    """
    emu.state.config.replication_delay = Delay.fixed(60)
    late = az("identity", "create", "--name", "lateIdentity", "--resource-group", RG).json()
    command = (
        "role",
        "assignment",
        "create",
        "--assignee",
        late["principalId"],
        "--role",
        "Network Contributor",
        "--scope",
        _group(emu),
    )
    early = az(*command, check=False)
    assert early.returncode != 0
    assert "Cannot find user or service principal in graph database" in early.stderr
    assert not any(r.startswith("PUT ") for r in early.requests)

    emu.clock.advance(60)
    assert az(*command).json()["principalId"] == late["principalId"]
    assert _has_assignment(emu, late["principalId"], NETWORK_CONTRIBUTOR, _group(emu))


def test_17_assignee_by_app_id_and_listing_names(az: Cli, emu: Emulator) -> None:
    """``--assignee <appId>`` resolves through Graph's servicePrincipalNames filter; listing
    names each principal through ``directoryObjects/getByIds``."""
    client_id, _ = emu.create_service_principal("pipeline", replicated=True)
    made = az(
        "role",
        "assignment",
        "create",
        "--assignee",
        client_id,
        "--role",
        "Reader",
        "--scope",
        _group(emu),
    )
    assert made.json()["principalId"] == emu.service_principal_id(client_id)
    assert any("/v1.0/servicePrincipals 200" in r for r in made.requests)
    listed = az("role", "assignment", "list", "--scope", _group(emu)).json()
    names = {a["principalId"]: a["principalName"] for a in listed}
    assert names[emu.service_principal_id(client_id)] == client_id  # servicePrincipalNames[0]
    assert names[state["system_principal"]] == state["system_principal_app_id"]


def _expected_error(run: Run, request: str) -> bool:
    """Errors the CLI provokes on purpose: ``aks create`` first reads the cluster (404), and
    ``--attach-acr`` writes AcrPull twice (the second gets 409 RoleAssignmentExists)."""
    method, path, status = request.split(" ")
    if run.args[:2] == ("aks", "create") and method == "GET" and status == "404":
        return path.lower().endswith(
            f"/managedclusters/{run.args[run.args.index('--name') + 1]}".lower()
        )
    return method == "PUT" and "/roleAssignments/" in path and status == "409"


def test_18_no_unexpected_error_answers(az: Cli) -> None:
    """Every error the emulator answered the CLI is one the CLI provokes on purpose."""
    unexpected = [
        (run.args, request)
        for run in az.runs
        if run.returncode == 0
        for request in run.requests
        if int(request.rsplit(" ", 1)[1]) >= 400 and not _expected_error(run, request)
    ]
    assert unexpected == []

"""listClusterUserCredential / listClusterAdminCredential through the real SDK.

Shape: CredentialResults, ManagedClustersListClusterCredentialResult.json in
Azure/azure-rest-api-specs specification/containerservice/.../examples
(``{"kubeconfigs": [{"name": "credentialName1", "value": "Y3JlZGVudGlhbFZhbHVlMQ=="}]}``);
the kubeconfig's layout is what ``az aks get-credentials`` writes for a local account.
"""

from __future__ import annotations

import base64

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerservice import ContainerServiceClient
from cryptography import x509
from test_aks_support import RG, Aks, aks, emulator, system_assigned

__all__ = ["aks", "emulator"]


def test_user_credential_is_a_kubeconfig_for_the_cluster(aks: Aks) -> None:
    aks.create("c1", system_assigned())
    fqdn = aks.client.managed_clusters.get(RG, "c1").fqdn

    result = aks.client.managed_clusters.list_cluster_user_credentials(RG, "c1")

    [entry] = result.kubeconfigs
    assert entry.name == "clusterUser"
    text = entry.value.decode("utf-8")
    assert f"server: https://{fqdn}:443\n" in text
    assert "current-context: c1\n" in text
    assert f"- name: clusterUser_{RG}_c1\n" in text
    line = next(x for x in text.splitlines() if "client-certificate-data:" in x)
    certificate = x509.load_pem_x509_certificate(base64.b64decode(line.split(": ")[1]))
    assert certificate.subject.rfc4514_string() == "CN=masterclient,O=system:masters"


def test_admin_credential_and_missing_cluster(aks: Aks) -> None:
    aks.create("c1", system_assigned())
    admin = aks.client.managed_clusters.list_cluster_admin_credentials(RG, "c1")
    assert admin.kubeconfigs[0].name == "clusterAdmin"
    assert b"current-context: c1-admin\n" in admin.kubeconfigs[0].value

    missing = aks.raw("POST", f"{aks.cluster_id('nope')}/listClusterUserCredential")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "ResourceNotFound"


def test_credentials_need_the_list_action(aks: Aks) -> None:
    reader = aks.emu.create_caller("reader", role="Reader")
    aks.create("c1", system_assigned())
    client = ContainerServiceClient(
        aks.emu.credential(reader),
        aks.sub,
        base_url=aks.emu.url,
        connection_verify=aks.emu.ca_bundle,
    )
    with pytest.raises(HttpResponseError) as caught:
        client.managed_clusters.list_cluster_user_credentials(RG, "c1")
    assert caught.value.status_code == 403
    assert "listClusterUserCredential/action" in str(caught.value.message)

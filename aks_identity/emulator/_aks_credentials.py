"""``listClusterUserCredential`` / ``listClusterAdminCredential``: kubeconfigs shaped as AKS's.

AKS answers ``{"kubeconfigs": [{"name": "clusterUser", "value": <base64 kubeconfig>}]}``
(CredentialResults in the containerservice spec); the kubeconfig names the cluster's API
server (``https://{fqdn}:443``), its CA, and a local-account user
``clusterUser_{group}_{cluster}`` with a client certificate, key and token, the way
``az aks get-credentials`` writes it. The certificates are real (P-256, made per request);
no Kubernetes API server answers at that address.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ._aks import _CLUSTER, _backend, _ref
from ._routes import Context, Reply, route

__all__ = ["kubeconfig"]


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization is not None:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signer, hashes.SHA256())
    )


def _pem64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def kubeconfig(cluster: str, resource_group: str, server: str, *, admin: bool) -> str:
    """A kubeconfig (YAML) for ``cluster``'s local ``clusterUser`` or ``clusterAdmin``."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("ca")
    ca_cert = _certificate(ca_name, ca_name, ca_key, ca_key, ca=True)
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _certificate(
        _name("masterclient", "system:masters"), ca_name, client_key, ca_key, ca=False
    )
    role = "clusterAdmin" if admin else "clusterUser"
    user = f"{role}_{resource_group}_{cluster}"
    context = f"{cluster}-admin" if admin else cluster
    pem = serialization.Encoding.PEM
    key_pem = client_key.private_bytes(
        pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return (
        "apiVersion: v1\n"
        "clusters:\n"
        "- cluster:\n"
        f"    certificate-authority-data: {_pem64(ca_cert.public_bytes(pem))}\n"
        f"    server: {server}\n"
        f"  name: {cluster}\n"
        "contexts:\n"
        "- context:\n"
        f"    cluster: {cluster}\n"
        f"    user: {user}\n"
        f"  name: {context}\n"
        f"current-context: {context}\n"
        "kind: Config\n"
        "preferences: {}\n"
        "users:\n"
        f"- name: {user}\n"
        "  user:\n"
        f"    client-certificate-data: {_pem64(client.public_bytes(pem))}\n"
        f"    client-key-data: {_pem64(key_pem)}\n"
        f"    token: {secrets.token_hex(64)}\n"
    )


def _credentials(
    ctx: Context, subscription_id: str, resource_group: str, name: str, *, admin: bool
) -> Reply:
    body = _backend(ctx).get(_ref(subscription_id, resource_group, name))
    properties = body.get("properties", {})
    fqdn = ctx.query.get("server-fqdn") or properties.get("fqdn") or properties.get("privateFQDN")
    text = kubeconfig(body.get("name", name), resource_group, f"https://{fqdn}:443", admin=admin)
    entry = {
        "name": "clusterAdmin" if admin else "clusterUser",
        "value": base64.b64encode(text.encode("utf-8")).decode("ascii"),
    }
    return Reply(200, {"kubeconfigs": [entry]}, {})


@route("POST", _CLUSTER + r"/listClusterUserCredential")
def list_user_credential(
    ctx: Context, subscription_id: str, resource_group: str, name: str
) -> Reply:
    """ManagedClusters_ListClusterUserCredentials."""
    return _credentials(ctx, subscription_id, resource_group, name, admin=False)


@route("POST", _CLUSTER + r"/listClusterAdminCredential")
def list_admin_credential(
    ctx: Context, subscription_id: str, resource_group: str, name: str
) -> Reply:
    """ManagedClusters_ListClusterAdminCredentials."""
    return _credentials(ctx, subscription_id, resource_group, name, admin=True)

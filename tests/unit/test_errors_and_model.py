"""Error hierarchy and the immutable domain values of _model."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_identity._errors import (
    AksIdentityError,
    AuthorizationError,
    ConfirmationRequired,
    ConflictError,
    NotFoundError,
    PropagationTimeout,
    TransientError,
    ValidationError,
)
from aks_identity._ids import ResourceId
from aks_identity._model import (
    ClusterIdentity,
    IdentityType,
    NetworkProfile,
    Principal,
    PrincipalType,
    ServicePrincipal,
)

SUB = "00000000-1111-2222-3333-444444444444"
SUBNET = (
    f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/"
    "vnet/subnets/default"
)
IDENTITY = (
    f"/subscriptions/{SUB}/resourceGroups/rg/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/id"
)

# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (ValidationError, ValueError),
        (NotFoundError, LookupError),
        (AuthorizationError, PermissionError),
        (PropagationTimeout, TimeoutError),
        (ConflictError, AksIdentityError),
        (TransientError, AksIdentityError),
        (ConfirmationRequired, AksIdentityError),
    ],
)
def test_hierarchy(cls: type[AksIdentityError], builtin: type[Exception]) -> None:
    assert issubclass(cls, AksIdentityError)
    assert issubclass(cls, builtin)


def test_error_carries_code_status_and_resource() -> None:
    error = NotFoundError(
        "identity not found", code="ResourceNotFound", status=404, resource_id=IDENTITY
    )
    assert (error.message, error.code, error.status, error.resource_id) == (
        "identity not found",
        "ResourceNotFound",
        404,
        IDENTITY,
    )
    assert str(error) == "(ResourceNotFound) identity not found"
    assert repr(error) == "NotFoundError('identity not found', code='ResourceNotFound', status=404)"


def test_error_without_code() -> None:
    error = ConflictError("busy")
    assert str(error) == "busy"
    assert repr(error) == "ConflictError('busy')"
    assert error.code is None and error.status is None and error.resource_id is None


def test_validation_error_rule() -> None:
    error = ValidationError("bad", rule="cluster_name", code="InvalidParameter")
    assert error.rule == "cluster_name"
    assert error.code == "InvalidParameter"
    assert ValidationError("bad").rule is None


def test_propagation_timeout_fields() -> None:
    error = PropagationTimeout("gave up", awaited="AcrPull grant", waited_seconds=3600.0)
    assert error.awaited == "AcrPull grant"
    assert error.waited_seconds == 3600.0


def test_confirmation_required_carries_the_plan() -> None:
    plan = object()
    assert ConfirmationRequired("downtime", plan=plan).plan is plan


def test_errors_can_be_caught_as_the_base() -> None:
    with pytest.raises(AksIdentityError, match="nope"):
        raise TransientError("nope")


# -- identity and principal types ---------------------------------------------------------


def test_identity_type_values_are_arm_strings() -> None:
    assert [t.value for t in IdentityType] == ["SystemAssigned", "UserAssigned", "ServicePrincipal"]
    assert IdentityType("UserAssigned") is IdentityType.USER_ASSIGNED
    assert str(IdentityType.SYSTEM_ASSIGNED) == "SystemAssigned"
    assert isinstance(IdentityType.USER_ASSIGNED, str)
    assert f"{IdentityType.USER_ASSIGNED}" == "UserAssigned"


def test_principal_type_values() -> None:
    assert {t.value for t in PrincipalType} == {
        "ServicePrincipal",
        "User",
        "Group",
        "ForeignGroup",
        "Device",
    }
    assert str(PrincipalType.GROUP) == "Group"


OID = "5a9d3e43-d350-4043-92be-5b92525f1335"


@given(st.uuids())
def test_principal_normalises_object_id(object_id: object) -> None:
    principal = Principal(str(object_id).upper())
    assert principal.object_id == str(object_id)
    assert principal.principal_type is PrincipalType.SERVICE_PRINCIPAL
    assert principal == Principal(str(object_id), "ServicePrincipal")


def test_principal_type_is_converted_and_checked() -> None:
    assert Principal(OID, "User").principal_type is PrincipalType.USER
    with pytest.raises(ValueError, match="Robot"):
        Principal(OID, "Robot")


def test_values_are_frozen() -> None:
    principal = Principal(OID)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        principal.object_id = "y"  # type: ignore[misc]


def test_service_principal_secret_is_never_shown() -> None:
    sp = ServicePrincipal(OID, "s3cr3t-value")
    assert "s3cr3t" not in repr(sp)
    assert "s3cr3t" not in str(sp)
    assert repr(sp) == f"ServicePrincipal(client_id='{OID}', secret='***')"
    assert sp.secret == "s3cr3t-value"


# -- network profile and cluster identity -------------------------------------------------


def test_network_profile_defaults() -> None:
    profile = NetworkProfile()
    assert profile.plugin == "azure"
    assert profile.subnet_id is None


def test_network_profile_parses_the_subnet() -> None:
    profile = NetworkProfile(subnet_id=SUBNET.lower(), service_cidr="10.0.0.0/16")
    assert profile.subnet_id == ResourceId.parse(SUBNET)
    assert isinstance(profile.subnet_id, ResourceId)


def test_network_profile_rejects_a_malformed_subnet() -> None:
    with pytest.raises(ValidationError, match="is not a valid ARM resource ID"):
        NetworkProfile(subnet_id="default")


def test_network_profile_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        NetworkProfile("kubenet")  # type: ignore[call-arg]


def test_cluster_identity_converts_its_fields() -> None:
    identity = ClusterIdentity(
        type="UserAssigned",
        principal_id="p",
        tenant_id="t",
        user_assigned=[IDENTITY.lower()],
    )
    assert identity.type is IdentityType.USER_ASSIGNED
    assert identity.user_assigned == (ResourceId.parse(IDENTITY),)


def test_cluster_identity_defaults() -> None:
    identity = ClusterIdentity(type=IdentityType.SERVICE_PRINCIPAL)
    assert identity.user_assigned == ()
    assert identity.principal_id is None and identity.tenant_id is None


def test_cluster_identity_rejects_a_non_sequence() -> None:
    with pytest.raises(ValidationError, match="expected a sequence of resource IDs"):
        ClusterIdentity(type=IdentityType.USER_ASSIGNED, user_assigned=IDENTITY)

"""The entry point for many clusters in many subscriptions: :class:`Fleet`."""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from aks_identity import _activation
from aks_identity._azure import endpoints
from aks_identity._azure._resource_graph import AUTHORIZATION_QUERY, ResourceGraph, clusters
from aks_identity._checks import (
    check_credential,
    check_optional_str,
    check_str,
    check_subscription_id,
)
from aks_identity._client import Azure, _check_connection
from aks_identity._errors import AksIdentityError, ValidationError
from aks_identity._model import IdentityType
from aks_identity._objects import Cluster, ManagedIdentity
from aks_identity._retry import RetryPolicy
from aks_identity._warnings import AksIdentityWarning

from ._audit import AuditInput, assignments_from_rows, findings
from ._plan import FleetPlan, plan_migration
from ._report import AuditReport

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

__all__ = ["Fleet"]

_DEFAULT_RETRY = RetryPolicy()


def _check_retry(retry: object) -> None:
    if not isinstance(retry, RetryPolicy):
        raise ValidationError(
            f"retry must be an aks_identity.RetryPolicy, got {type(retry).__name__}: pass "
            "e.g. retry=aks_identity.RetryPolicy(total=600)",
            rule="retry",
        )


def _subscription_list(value: Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise ValidationError(
            "subscriptions must be a list of subscription IDs, not one string: "
            "pass [subscription_id] (or None for every subscription the credential can see)",
            rule="subscriptions",
        )
    try:
        items = list(value)
    except TypeError:
        raise ValidationError(
            f"subscriptions must be a list of subscription IDs, got {type(value).__name__}: "
            "pass [subscription_id, ...] (or None for every subscription the credential can "
            "see)",
            rule="subscriptions",
        ) from None
    if not items:
        raise ValidationError(
            "subscriptions=[] names no subscription: pass None for every subscription the "
            "credential can see, or list some",
            rule="subscriptions",
        )
    return tuple(dict.fromkeys(check_subscription_id(s) for s in items))


class Fleet(_activation.ClosesOnExit):
    """Every AKS cluster in many subscriptions of one cloud, read through Azure Resource Graph.

    ``subscriptions=None`` means every subscription the credential can see. The connection
    arguments are :class:`~aks_identity.Azure`'s; each cluster is bound to an ``Azure`` of its
    own subscription (made once, sharing the credential and settings), so every per-cluster
    operation works on it.

    Inside ``emu.activate()`` (or the ``arm_emulator`` pytest fixture), a fleet built without
    ``base_url`` reaches that emulator, as :class:`~aks_identity.Azure` does: with the
    emulator's credential unless ``credential`` is one of the emulator's, and with its clock
    unless ``retry`` is given.
    """

    def __init__(
        self,
        credential: TokenCredential,
        subscriptions: Iterable[str] | None = None,
        *,
        cloud: str = "AzureCloud",
        base_url: str | None = None,
        connection_verify: str | bool | None = None,
        retry: RetryPolicy = _DEFAULT_RETRY,
    ) -> None:
        credential, base_url, connection_verify, retry = _activation.connection_for(
            credential, base_url, connection_verify, retry, default_retry=_DEFAULT_RETRY
        )
        credential = check_credential(credential)
        check_str(cloud, "cloud", rule="cloud")
        _check_connection(base_url, connection_verify)
        _check_retry(retry)
        self._requested = _subscription_list(subscriptions)
        self._endpoints = endpoints(cloud, base_url)
        self._credential = credential
        self._base_url = base_url
        self._verify = connection_verify
        self._retry = retry
        self._graph = ResourceGraph(
            credential, self._endpoints, connection_verify=connection_verify, policy=retry
        )
        self._clients: dict[str, Azure] = {}
        self._lock = threading.Lock()
        self._visible: list[str] | None = None

    @classmethod
    def from_environment(
        cls,
        subscriptions: Iterable[str] | None = None,
        *,
        cloud: str | None = None,
        retry: RetryPolicy = _DEFAULT_RETRY,
    ) -> Fleet:
        """``DefaultAzureCredential`` (cloud: ``AZURE_CLOUD``); every subscription it can see
        unless ``subscriptions`` lists some.

        Inside ``emu.activate()`` (or the ``arm_emulator`` fixture): the active emulator and
        its credential instead, whatever the environment says.
        """
        target = _activation.active()
        if target is not None:
            return cls(
                target.credential,
                subscriptions,
                cloud=cloud or "AzureCloud",
                retry=target.retry if retry is _DEFAULT_RETRY else retry,
            )
        from azure.identity import DefaultAzureCredential

        check_optional_str(cloud, "cloud", rule="cloud")
        _check_retry(retry)
        name = cloud or os.environ.get("AZURE_CLOUD") or "AzureCloud"
        credential = DefaultAzureCredential(authority=endpoints(name).authority)
        return cls(credential, subscriptions, cloud=name, retry=retry)

    # -- connection --------------------------------------------------------------------------

    @property
    def cloud(self) -> str:
        """The cloud's Azure CLI name."""
        return self._endpoints.cloud

    @property
    def retry(self) -> RetryPolicy:
        """The policy of every wait."""
        return self._retry

    def azure(self, subscription_id: str) -> Azure:
        """The :class:`~aks_identity.Azure` of one subscription (made once, then reused)."""
        key = check_subscription_id(subscription_id)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = Azure(
                    self._credential,
                    key,
                    cloud=self.cloud,
                    base_url=self._base_url,
                    connection_verify=self._verify,
                    retry=self._retry,
                )
                self._clients[key] = client
            return client

    def close(self) -> None:
        """Close every HTTP session."""
        self._graph.close()
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def __repr__(self) -> str:
        which = (
            "every visible subscription"
            if self._requested is None
            else (f"{len(self._requested)} subscription{'s' * (len(self._requested) != 1)}")
        )
        return f"<Fleet {which} ({self.cloud}, {self._endpoints.resource_manager})>"

    # -- subscriptions -----------------------------------------------------------------------

    def _visible_subscriptions(self) -> list[str]:
        if self._visible is None:
            self._visible = [
                str(s["subscriptionId"]).lower()
                for s in self._graph.subscriptions()
                if s.get("subscriptionId") and str(s.get("state", "Enabled")) != "Disabled"
            ]
        return self._visible

    def _subscriptions(self) -> tuple[list[str], list[tuple[str, str]]]:
        """``(readable, [(unreadable, reason)])`` of the subscriptions this fleet covers."""
        visible = self._visible_subscriptions()
        if self._requested is None:
            return list(visible), []
        seen = set(visible)
        readable = [s for s in self._requested if s in seen]
        missing = [
            (s, "not found, or the credential has no role on it")
            for s in self._requested
            if s not in seen
        ]
        return readable, missing

    def subscription_ids(self) -> list[str]:
        """The subscriptions read (those asked for that the credential can see)."""
        return self._subscriptions()[0]

    # -- reads -------------------------------------------------------------------------------

    def clusters(self) -> list[Cluster]:
        """Every AKS cluster of the fleet: one Resource Graph query (paged) for all subscriptions.

        Subscriptions that cannot be read are left out (:meth:`audit` reports them).
        """
        readable, _ = self._subscriptions()
        if not readable:
            return []
        return clusters(self._graph, readable, self.azure)

    def audit(self) -> AuditReport:
        """Check every cluster for the identity problems the AKS documentation warns about.

        Reads: the subscription list, the clusters and every role assignment through Resource
        Graph (two queries, paged), the directory through Microsoft Graph in batches, and the
        node image upgrade profile of clusters whose kubelet is still on a service principal.
        """
        readable, unreadable = self._subscriptions()
        found = clusters(self._graph, readable, self.azure) if readable else []
        rows = self._graph.query(AUTHORIZATION_QUERY, readable) if readable else []
        assignments = assignments_from_rows(rows)
        directory = _DirectoryFacts.read(self, found, {a.principal_id for a in assignments})
        data = AuditInput(
            clusters=found,
            assignments=assignments,
            unreadable=unreadable,
            existing_principals=directory.existing,
            service_principals=directory.service_principals,
            newer_node_image=_newer_node_images(found),
            directory_error=directory.error,
        )
        return AuditReport(
            findings=tuple(findings(data)),
            clusters=tuple(found),
            subscriptions=tuple(readable),
        )

    def _directory(self) -> Any:
        """The Microsoft Graph adapter for this fleet's credential and cloud."""
        from aks_identity._azure._graph import Graph

        return Graph(
            self._credential,
            cloud=self.cloud,
            base_url=self._base_url,
            connection_verify=self._verify,
            policy=self._retry,
        )

    # -- migrations ------------------------------------------------------------------------

    def plan_migration(
        self,
        to: str | ManagedIdentity,
        where: Callable[[Cluster], bool] | None = None,
    ) -> FleetPlan:
        """Plan moving every cluster (``where`` says which) to ``to``: one Plan per cluster.

        ``to="system-assigned"``: service-principal clusters get ``enable_managed_identity``,
        user-assigned ones ``use_system_assigned_identity``. ``to=<ManagedIdentity>`` (or its
        resource ID): ``use_identity``. Each plan is what the single-cluster operation makes
        with ``dry_run=True``; nothing is written until :meth:`FleetPlan.apply`.
        """
        if where is not None and not callable(where):
            raise ValidationError(
                f"where must be a function of a Cluster, got {type(where).__name__}: pass one "
                "returning True for the clusters to migrate (e.g. where=lambda c: "
                "c.identity_type is aki.IdentityType.SERVICE_PRINCIPAL)",
                rule="where",
            )
        target = self._target(to)
        return plan_migration(self, self.clusters(), target, where)

    def _target(self, to: str | ManagedIdentity) -> str | ManagedIdentity:
        if isinstance(to, ManagedIdentity):
            self._check_visible(to.id.subscription_id)
            return to
        if isinstance(to, str) and to.strip().lower() in ("system-assigned", "systemassigned"):
            return "system-assigned"
        if isinstance(to, str) and to.startswith("/"):
            from aks_identity._ids import ResourceId, ResourceKind

            rid = ResourceId.parse(to).expect(ResourceKind.USER_ASSIGNED_IDENTITY, what="to=")
            self._check_visible(rid.subscription_id)
            return self.azure(rid.subscription_id or "").get_identity(rid)
        raise ValidationError(
            f"to={to!r} is not a migration target: pass 'system-assigned', a ManagedIdentity, "
            "or a user-assigned identity's resource ID",
            rule="migration-target",
        )

    def _check_visible(self, subscription_id: str | None) -> None:
        """The target identity's subscription is one this fleet's credential can see (its
        tenant's): another tenant's identity cannot be attached to these clusters."""
        if (subscription_id or "").lower() in self._visible_subscriptions():
            return
        raise ValidationError(
            f"to= is an identity in subscription {subscription_id}, which this fleet's "
            "credential cannot see (another tenant's, or one it has no role on): pass an "
            "identity of a subscription listed by fleet.subscription_ids() (AKS attaches only "
            "identities of the cluster's own tenant)",
            rule="migration-target",
        )


class _DirectoryFacts:
    """What Microsoft Graph says: which principals exist; service principals by client ID."""

    def __init__(self) -> None:
        self.existing: frozenset[str] | None = None
        self.service_principals: dict[str, str | None] = {}
        self.error: str | None = None

    @classmethod
    def read(cls, fleet: Fleet, found: list[Cluster], principals: set[str]) -> _DirectoryFacts:
        facts = cls()
        # only migrated clusters whose kubelet still uses the service principal (a passing
        # state): one lookup each; clusters still on a service principal need none
        client_ids = {
            (c.service_principal_client_id or "").lower()
            for c in found
            if c.identity_type is not IdentityType.SERVICE_PRINCIPAL
            and c.service_principal_client_id
            and c.service_principal_client_id.lower() != "msi"
        }
        if not principals and not client_ids:
            facts.existing = frozenset()
            return facts
        graph = fleet._directory()
        try:
            facts.existing = frozenset(graph.existing_object_ids(sorted(principals)))
            for client_id in sorted(client_ids):
                found_sp = graph.service_principal_by_app_id(client_id)
                facts.service_principals[client_id] = (
                    str(found_sp["id"]).lower() if found_sp else None
                )
        except AksIdentityError as error:
            facts.existing = None
            facts.error = str(error)
        finally:
            graph.close()
        return facts


def _newer_node_images(found: list[Cluster]) -> dict[str, bool | None]:
    """Per cluster whose kubelet still uses a service principal: is a newer image out?"""
    result: dict[str, bool | None] = {}
    for cluster in found:
        if (
            cluster.identity_type is IdentityType.SERVICE_PRINCIPAL
            or cluster.kubelet_uses_managed_identity
        ):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AksIdentityWarning)
                plan = cluster.upgrade_node_images(dry_run=True)
        except AksIdentityError:
            result[str(cluster.id).lower()] = None
            continue
        result[str(cluster.id).lower()] = bool(plan.writes)
    return result

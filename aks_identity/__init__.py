"""aks_identity: manage the identities of Azure Kubernetes Service clusters."""

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
from aks_identity._retry import RetryPolicy

__all__ = [
    "AksIdentityError",
    "AuthorizationError",
    "ConfirmationRequired",
    "ConflictError",
    "NotFoundError",
    "PropagationTimeout",
    "RetryPolicy",
    "TransientError",
    "ValidationError",
]

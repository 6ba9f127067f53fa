"""Which RBAC action a request needs, on which scope: what ARM checks before routing.

``PUT .../providers/Microsoft.Network/virtualNetworks/v/subnets/s`` needs
``Microsoft.Network/virtualNetworks/subnets/write`` on the subnet; a list needs ``.../read`` on the
parent scope; a POST to ``.../x/name/doIt`` needs ``.../x/doIt/action``. Extension resources
(``{scope}/providers/Microsoft.Authorization/roleAssignments/n``) are checked on ``{scope}``'s
descendant ID, which contains the scope. Operation polls and the caller's own permissions need
authentication only.
"""

from __future__ import annotations

import re

__all__ = ["required_action"]

_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}
_UNCHECKED = re.compile(
    r"^/(tenants|subscriptions)/?$"
    r"|/operations/[^/]+$|/operationresults/[^/]+$"
    r"|/providers/Microsoft\.Authorization/permissions$"
    r"|^/providers/Microsoft\.ResourceGraph/resources$",
    re.IGNORECASE,
)
_SUBSCRIPTION = re.compile(r"^(/subscriptions/[^/]+)(?:/(resourceGroups)(?:/([^/]+))?)?$", re.I)


def required_action(method: str, path: str) -> tuple[str, str] | None:
    """``(action, scope)`` the caller must hold for this request, or None."""
    path = path.rstrip("/")
    if _UNCHECKED.search(path):
        return None
    verb = _VERBS.get(method.upper(), "action")
    found = _SUBSCRIPTION.match(path)
    if found is not None:
        subscription, groups, group = found.groups()
        if groups is None:
            return f"Microsoft.Resources/subscriptions/{_verb(verb, 'read')}", subscription
        if group is None:
            return "Microsoft.Resources/subscriptions/resourceGroups/read", subscription
        return f"Microsoft.Resources/subscriptions/resourceGroups/{_verb(verb, 'read')}", path
    index = path.lower().rfind("/providers/")
    if index < 0:
        return None
    parts = path[index + len("/providers/") :].split("/")
    namespace, rest = parts[0], parts[1:]
    types = rest[0::2]
    if len(rest) % 2 == 1:
        if verb == "action" and len(rest) > 1:
            return f"{namespace}/{'/'.join(rest[0:-2:2])}/{rest[-1]}/action", path.rsplit("/", 1)[0]
        return f"{namespace}/{'/'.join(types)}/read", path.rsplit("/", 1)[0]
    return f"{namespace}/{'/'.join(types)}/{_verb(verb, 'read')}", path


def _verb(verb: str, fallback: str) -> str:
    return fallback if verb == "action" else verb

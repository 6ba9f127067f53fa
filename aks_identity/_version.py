"""The installed distribution's version, read once and only when asked for."""

from __future__ import annotations

from functools import cache

__all__ = ["version"]


@cache
def version() -> str:
    """``aks-identity``'s version from its installed metadata (``0+unknown`` from a bare tree)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("aks-identity")
    except PackageNotFoundError:
        return "0+unknown"

"""Root test configuration: the Azure CLI compatibility suite runs only in ``nox -s compat``.

``tests/compat`` needs the real Azure CLI (a large install kept out of the main test
environment); the nox session sets ``AKS_IDENTITY_AZ`` to its ``az`` and runs it.
"""

from __future__ import annotations

import os

collect_ignore = [] if os.environ.get("AKS_IDENTITY_AZ") else ["compat"]

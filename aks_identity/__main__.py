"""``python -m aks_identity {demo,audit,migrate}``: see :mod:`aks_identity._cli`."""

import sys

from aks_identity._cli import main

if __name__ == "__main__":
    sys.exit(main())

"""`python -m heritage_desk` and the `heritage-desk` script: the GUI by default, CLI verbs."""

from __future__ import annotations

import sys

from heritage_desk.cli import main

if __name__ == "__main__":
    sys.exit(main())

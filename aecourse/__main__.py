"""`python -m aecourse ...`: the course's command line (aecourse/tools/cli.py)."""

import sys

from .tools.cli import main

if __name__ == "__main__":
    sys.exit(main())

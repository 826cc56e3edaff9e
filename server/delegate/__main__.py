"""``python -m delegate`` runs the command line."""

import sys

from delegate.cli import main

sys.exit(main())

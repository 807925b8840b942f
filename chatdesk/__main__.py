"""`python -m chatdesk` runs the same entry point as the `chatdesk` launcher."""

import sys

from chatdesk.cli import main

sys.exit(main())

"""``python -m workshop.grouping``: the grouping worker process (see :mod:`.worker`)."""

import sys

from .worker import main

sys.exit(main())

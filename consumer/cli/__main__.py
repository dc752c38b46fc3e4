"""`python -m consumer.cli`, the same as the `baton` console script."""

import sys

from consumer.cli import main

sys.exit(main())

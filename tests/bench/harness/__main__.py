"""Entry point: `python -m tests.bench.harness`."""

import sys

from tests.bench.harness.cli import main

sys.exit(main())

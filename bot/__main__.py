"""`python -m bot` is the same as the `partnerbot` console script."""

import sys

from bot.cli import main

sys.exit(main())

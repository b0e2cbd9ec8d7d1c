"""`python -m deck` runs the command line."""

import sys

from deck._cli import main

sys.exit(main())

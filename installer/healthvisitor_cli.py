"""Entry point of the bundled command line (``healthvisitor``), for PyInstaller."""

import sys

from healthvisitor.cli import main

sys.exit(main())

"""Entry point of the bundled command line (``healthvisitor``), for PyInstaller."""

import sys

from healthvisitor.reports.cli import main

sys.exit(main())

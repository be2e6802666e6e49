"""Entry point of the bundled window program (``healthvisitor-gui``), for PyInstaller."""

import sys

from healthvisitor.ui.app import main

sys.exit(main())

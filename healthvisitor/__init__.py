"""HealthVisitor: case management for NHS health visitor teams.

The ``healthvisitor`` package is the domain: clinical rules, persistence,
services and the command line. It never imports Qt, ``healthvisitor.ui`` or
``healthvisitor.reports`` (``tests/test_architecture.py`` enforces this).
"""

__version__ = "0.1.0"

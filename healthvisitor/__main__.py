"""``python -m healthvisitor``: the domain's commands only.

The installed ``healthvisitor`` command (``healthvisitor.reports.cli``) also has
``report``; the domain package never imports the renderers.
"""

from healthvisitor.cli import main

raise SystemExit(main())

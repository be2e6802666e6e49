from healthvisitor.cli import main

raise SystemExit(main())

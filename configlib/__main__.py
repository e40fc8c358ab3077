"""``python -m configlib`` runs the command line."""

from configlib.cli import main

raise SystemExit(main())

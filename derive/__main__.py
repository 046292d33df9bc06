"""``python -m derive`` runs the command-line interface."""
from derive.cli import main

raise SystemExit(main())

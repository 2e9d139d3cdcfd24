"""``python -m regionopt``: the same as the ``regionopt`` command."""

from .cli import main

raise SystemExit(main())

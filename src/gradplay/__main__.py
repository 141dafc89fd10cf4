"""``python -m gradplay`` is the ``gradplay`` command."""

from .cli import main

raise SystemExit(main())

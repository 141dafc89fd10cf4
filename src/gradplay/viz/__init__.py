"""Pictures: graphs of Values (graph.py) and matplotlib figures (plots.py)."""

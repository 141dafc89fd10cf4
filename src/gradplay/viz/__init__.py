"""Pictures: graphs of Values (graph.py), matplotlib figures (plots.py) and the live
trainer's frames (frames.py: every number the browser paints)."""

"""Jupyter: the live trainer as a widget (``pip install gradplay[jupyter]``).

``LiveTrainer`` (``live_trainer``) is the web page's renderer and stream in a
notebook cell; ``link`` carries their messages over the widget's comm;
``inputs`` turns a config, a preset, fields or the learner's data into a
run. ``live_streams()`` counts the widgets' running streams (threads).
"""

from .link import live_streams
from .live_trainer import HEIGHT, LiveTrainer

__all__ = ["LiveTrainer", "live_streams", "HEIGHT"]

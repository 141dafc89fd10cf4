"""The live trainer's renderer: ES modules shipped inside the package (no CDN).

One file per drawing, as TensorFlow Playground splits its own:

    frame.js      decode a frame (the inverse of ``viz.frames.pack``)
    colors.js     the diverging map and the class palette
    dom.js        small DOM and number-format helpers
    heatmap.js    the big plot: boundary, neuron map, points
    linechart.js  the loss and score curves
    network.js    the network: maps, edges, hovers, edits
    controls.js   Play / Pause / Step / Reset and the speed
    sample.js     a picked example: its facts and the backprop walk
    neuron.js     one neuron's scalar graph for the picked example
    channel.js    the WebSocket of the live channel (Streamlit host)
    renderer.js   createRenderer(element, {send}): wires them

and one binding per host: ``streamlit.js`` (a components-v2 element on the
live channel) and ``widget.js`` (an anywidget, messages over the comm).

Hosts take one ES module each: ``bundle(host)`` joins the modules in order
(the ``import`` lines between them dropped, their ``export``s made plain
declarations) and the host's binding, whose ``export default`` stays. Every
module's imports are single lines of the form ``import {...} from "./x.js";``
(a test checks the bundle parses and each module imports in node).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

__all__ = ["HERE", "MODULES", "HOSTS", "bundle", "css"]

HERE = Path(__file__).parent
MODULES = ("dom.js", "colors.js", "frame.js", "linechart.js", "heatmap.js", "network.js",
           "controls.js", "sample.js", "neuron.js", "channel.js", "renderer.js")
HOSTS = {"streamlit": "streamlit.js", "widget": "widget.js"}
_IMPORT = re.compile(r'^import \{[^}]*\} from "\./[a-z]+\.js";\n', re.M)
_EXPORT = re.compile(r"^export (?=(function|const|class|let) )", re.M)


@lru_cache(maxsize=None)
def bundle(host: str) -> str:
    """One ES module: every renderer module, then ``host``'s binding."""
    parts = [_EXPORT.sub("", _IMPORT.sub("", (HERE / name).read_text("utf-8")))
             for name in MODULES]
    parts.append(_IMPORT.sub("", (HERE / HOSTS[host]).read_text("utf-8")))
    return "\n".join(parts)


@lru_cache(maxsize=1)
def css() -> str:
    return (HERE / "renderer.css").read_text("utf-8")

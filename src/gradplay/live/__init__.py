"""The live trainer without a host: a ``LiveSession`` (one run and what the
controls do to it), a ``Stream`` (its play loop, paced by the renderer) and
the messages they exchange (``protocol``). The Streamlit page
(``gradplay.app``) and the Jupyter widget (``gradplay.widgets``) only carry
the messages."""

from .session import FAST, MAX_BUDGET, SPEEDS, LiveSession
from .stream import Stream

__all__ = ["LiveSession", "Stream", "SPEEDS", "FAST", "MAX_BUDGET"]

"""Old path of the live session: see ``gradplay.live``."""

from ..live.session import FAST, MAX_BUDGET, SPEEDS, LiveSession

__all__ = ["LiveSession", "SPEEDS", "FAST", "MAX_BUDGET"]

"""What a learner looks at closely in a live run: a picked training example
(its forward and backward pass through the network) and a selected weight
(which examples pull it which way). The numbers come from ``gradplay.trace``;
this module only remembers the choice and checks it against the run."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Focus"]


@dataclass(frozen=True)
class Focus:
    """index: the picked training example (-1: none); weight: (layer, i, j)
    of the selected weight, i = -1 for a bias, or None."""

    index: int = -1
    weight: tuple | None = None

    def changed(self, name: str, p: dict, session) -> "Focus":
        """The focus after a ``pick`` or ``select`` message, checked against the run."""
        if name == "pick":
            n = len(session.data.y_train)
            if not -1 <= p["index"] < n:
                raise ValueError(f"pick: index must be in [-1, {n - 1}], got {p['index']}")
            return replace(self, index=p["index"])
        if p["layer"] == -1:
            return replace(self, weight=None)
        weights = session.model.get_weights()
        layer, i, j = p["layer"], p["i"], p["j"]
        if not 0 <= layer < len(weights) or not -1 <= i < weights[layer][0].shape[0] \
                or not 0 <= j < weights[layer][0].shape[1]:
            raise ValueError(f"select: no weight ({layer}, {i}, {j}) in this network")
        return replace(self, weight=(layer, i, j))

    def frame_part(self, session):
        """(header, blobs) for a frame: the picked example's numbers, or None."""
        return None

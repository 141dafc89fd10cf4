"""The one graph walk shared by ``Value`` and ``Tensor``: a topological order.

Backpropagation visits each node after every node that was computed from it,
so it needs the nodes sorted: inputs first, output last. Both autograd cores
use this function; neither owns it.
"""

from __future__ import annotations

__all__ = ["topological_order"]


def topological_order(output) -> list:
    """Every node of the graph below ``output``, each after all of its
    ``children`` (the nodes it was computed from).

    An iterative depth-first search, so deep graphs cannot hit Python's
    recursion limit: the stack holds (node, expanded) pairs, and a node is
    emitted when it is popped the second time, after everything it was
    computed from.
    """
    order: list = []
    visited: set = set()
    stack = [(output, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for child in node.children:
            if child not in visited:
                stack.append((child, False))
    return order

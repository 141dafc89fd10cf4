"""The backward pass one node at a time, for watching it: any ``Value`` graph.

``backward()`` visits the nodes output first, each only after every node that
uses it, and at each node applies the chain rule to each child::

    child.grad += (d node / d child) * node.grad        local derivative x upstream

``backward_order`` is that order, ``replay_backward`` stops it after a number
of nodes (to draw the graph mid-pass), and ``backward_steps`` records every
``+=`` with the child's gradient before and after it.

The ``+=`` is the point of micrograd's most reported trap (karpathy/micrograd#2):
a node used several times receives one contribution per use, and its gradient
is their sum. In ``b = a + a; c = b * b`` the node b feeds c twice (once as
each factor) and a feeds b twice, so::

    b.grad = b * c.grad + b * c.grad = 2b        (not b: that would overwrite)
    a.grad = 1 * b.grad + 1 * b.grad = 4b

``gradient_sums`` lists every node used more than once with its contributions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

__all__ = ["backward_order", "replay_backward", "chain_rule_terms", "Term", "Step",
           "backward_steps", "gradient_sums"]


def backward_order(output) -> list:
    """The nodes in the order backpropagation visits them: output first, and
    each node only after every node that uses it."""
    return list(reversed(output.topological_order()))


def _start(order: list, output) -> None:
    """Every grad at 0, and d(output)/d(output) = 1: the backward pass's start."""
    for node in order:
        node.grad = 0.0
    output.grad = 1.0


def replay_backward(output, steps: int) -> list:
    """Backpropagate through only the first ``steps`` nodes of
    ``backward_order(output)``, leaving every grad as it stands at that moment.

    All grads start at 0 and output.grad at 1; processing a node is its
    ``_backward()``: it adds its share to each child. Returns the processed
    nodes (the last is the one just handled). With every step taken, the
    grads equal ``backward()``'s.
    """
    order = backward_order(output)
    steps = max(0, min(int(steps), len(order)))
    _start(order, output)
    for node in order[:steps]:
        node._backward()
    return order[:steps]


def chain_rule_terms(node) -> list[dict]:
    """What backprop does at ``node``: for each child, the chain-rule product
    child.grad += (d node / d child) * node.grad."""
    return [{"child": child, "local": local, "upstream": node.grad,
             "contribution": local * node.grad}
            for child, local in zip(node.children, node.local_grads)]


@dataclass(frozen=True)
class Term:
    """One ``+=`` of the backward pass, at ``node``: child.grad += local * upstream.

    ``before`` and ``after`` are the child's grad around this ``+=``; the
    child is used ``uses`` times in the whole graph, and this is use number
    ``use`` (1-based, in backward order). With ``use == uses`` the child's
    gradient is complete: ``after`` is its final grad.
    """

    node: object          # the node being processed: it uses the child
    child: object
    local: float          # d node / d child
    upstream: float       # d output / d node: node.grad, final when the node is processed
    contribution: float   # local * upstream
    before: float
    after: float
    use: int
    uses: int


@dataclass(frozen=True)
class Step:
    """Backprop at one node: the node and its terms, one per child (in order)."""

    node: object
    terms: tuple


def backward_steps(output) -> list[Step]:
    """Every step of the backward pass below ``output``, in ``backward_order``.

    The pass is run here, from the start (every grad 0, the output's 1), by
    each node's own ``_backward()``, so afterwards the grads are what
    ``backward()`` gives a fresh graph. Nodes written in micrograd's closure
    style (no ``local_grads``) are processed too; their steps list no terms.
    """
    order = backward_order(output)
    _start(order, output)
    uses = Counter(id(child) for node in order for child in node.children)
    seen: Counter = Counter()
    steps = []
    for node in order:
        running = {id(child): child.grad for child in node.children}   # before this node
        node._backward()                       # the engine's own chain rule
        terms = []
        for child, local in zip(node.children, node.local_grads):
            contribution = local * node.grad
            before = running[id(child)]
            running[id(child)] = before + contribution   # the += as backward() adds it
            seen[id(child)] += 1
            terms.append(Term(node, child, local, node.grad, contribution, before,
                              running[id(child)], seen[id(child)], uses[id(child)]))
        steps.append(Step(node, tuple(terms)))
    return steps


def gradient_sums(steps: list[Step]) -> list[tuple[object, tuple[Term, ...]]]:
    """Each node used more than once, with the terms that add up its gradient:
    node.grad = sum of the terms' contributions, in the order backprop adds them.

    Nodes come in the order their gradient is completed (the backward order of
    their last use)."""
    by_child: dict[int, list[Term]] = {}
    complete = []
    for step in steps:
        for term in step.terms:
            by_child.setdefault(id(term.child), []).append(term)
            if term.use == term.uses and term.uses > 1:
                complete.append(term.child)
    return [(child, tuple(by_child[id(child)])) for child in complete]

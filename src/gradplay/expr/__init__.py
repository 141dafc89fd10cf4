"""A small, safe expression language that builds ``Value`` graphs.

    out, leaves = evaluate("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)
    leaves["a"].grad   # d out / d a, filled by backward()

Three modules, one job each:

* ``parse``: text to syntax tree (the tokenizer, the grammar, the limits and
  ``ExpressionError``); nothing a user types reaches ``eval`` or Python;
* ``build``: syntax tree to ``Value`` graph, with the lecture's node names;
* ``check``: every gradient by autograd and by finite differences, with a
  note where they may rightly disagree.

The backward pass one node at a time (``backward_order``, ``replay_backward``,
``chain_rule_terms``) works on any Value graph and lives in
``gradplay.autograd``; it is re-exported here, as are ``definition`` and
``fmt_number``. The explorer's worked examples live with the page
(``gradplay.app.examples``).
"""

from ..autograd import (backward_order, backward_steps, chain_rule_terms, definition,
                        fmt_number, gradient_sums, replay_backward)
from .build import build, evaluate
from .check import GradientCheck, gradient_check, numeric_gradients
from .parse import (FUNCTIONS, MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_NAME, MAX_VARIABLES,
                    ExpressionError, parse, tokenize, variables)

__all__ = ["ExpressionError", "evaluate", "build", "parse", "tokenize", "variables",
           "numeric_gradients", "gradient_check", "GradientCheck", "definition", "fmt_number",
           "backward_order", "replay_backward", "chain_rule_terms", "backward_steps",
           "gradient_sums", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT",
           "MAX_VARIABLES", "MAX_NAME"]

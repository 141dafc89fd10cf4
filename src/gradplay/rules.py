"""The one rule book: what a value may hold, checked the same way wherever it
enters (a URL, a CLI flag, a preset, ``data.load``, an optimizer, ``fit``, the
estimator).

Each rule is a small object (scikit-learn's declarative constraints,
``sklearn.utils._param_validation``, in our own words):

* ``check(value)``: the value, normalised (``np.float32(0.5)`` -> ``0.5``,
  ``np.int64(3)`` -> ``3``), or ``ValueError("must be ...; got ...")``;
* ``parse(text)``: the same from a string (a URL value, a CLI argument);
* ``describe()``: what the rule allows, in words ("a whole number in [1, 32]").

``check(name, value, rule)`` puts the name in front of the message and raises
``RuleError`` (a ``ValueError`` that knows its ``field``), so the same bad
value reads the same everywhere::

    samples must be a whole number in [10, 100000]; got 5.5      # RunConfig(samples=5.5)
    n_samples must be a whole number in [10, 100000]; got 5.5    # data.load(n_samples=5.5)
    argument --samples: must be a whole number in [10, 100000]; got 5.5   # the CLI

Each setting has one rule object, defined beside the code that uses the
value (``data.SAMPLES``, ``optim.LR``, ``train.BATCH_SIZE`` ...);
``config.FIELDS`` lists the same objects under the names of the URL and the CLI.
``SEED`` (below) is the one rule every layer shares.

A number is any ``numbers.Real`` but a bool: NumPy scalars count
(``np.float32``, ``np.int64``); ``Flag`` takes ``bool`` and ``np.bool_``.

What a page's control offers (a page reads it from ``config.FIELDS[name].rule``):

* ``Interval.ui``: ``(lo, hi, step)`` a slider or number input usually offers,
  inside what the rule allows (a slider of 20 to 2,000 samples, step 10;
  a step of None: any float);
  ``ui_range(value)`` widens it to hold ``value`` (a link's value is shown,
  never rewritten);
* ``Interval.menu``: the values a select-slider offers (TensorFlow
  Playground's learning rates); ``ui_menu(value)`` is the menu with ``value``
  put in its place;
* ``Sizes.ui``: ``(layers, units)``, the most hidden layers and units per layer
  the page offers; ``ui_range(value)`` widens them the same way;
* ``OneOf.choices`` (a select box) and ``Flag`` (a checkbox) need nothing more.
"""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

__all__ = ["RuleError", "check", "OneOf", "Interval", "Sizes", "Names", "Flag", "SEED"]


class RuleError(ValueError):
    """A value a rule refuses. ``field`` names the setting or argument."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field} {message}")
        self.field = field


def check(name: str, value, rule):
    """``rule.check(value)``, with ``name`` in front of any message."""
    try:
        return rule.check(value)
    except RuleError:
        raise
    except ValueError as e:
        raise RuleError(name, str(e)) from None


def _shown(value, most: int = 40) -> str:
    return repr(str(value)[:most]) if isinstance(value, str) else str(value)[:most]


def _refuse(rule, value, most: int = 40):
    return ValueError(f"must be {rule.describe()}; got {_shown(value, most)}")


class OneOf:
    """A value from a fixed list."""

    def __init__(self, *choices: str):
        self.choices = tuple(choices)

    def parse(self, text: str) -> str:
        return self.check(text.strip())

    def check(self, value):
        if not isinstance(value, str) or value not in self.choices:
            raise _refuse(self, value)
        return str(value)

    def describe(self) -> str:
        return f"one of {', '.join(self.choices)}"


def _real(value) -> bool:
    """A real number that is not a bool (NumPy scalars count: np.float32(0.1))."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _fmt(bound, kind: type) -> str:
    return str(bound) if kind is int else f"{bound:g}"


class Interval:
    """A whole number (``kind`` int) or a finite float between two bounds.

    ``low``/``high`` may be None (no bound); ``open_low``/``open_high``
    leave the bound itself out: ``Interval(float, 0, None, open_low=True)``
    is "a number > 0". A whole-number float (3.0) passes an int rule.
    ``ui``: (lo, hi, step) of a page's control; ``menu``: the values a
    select-slider offers.
    """

    def __init__(self, kind: type, low=None, high=None, open_low: bool = False,
                 open_high: bool = False, ui: tuple | None = None, menu: tuple | None = None):
        self.kind, self.low, self.high = kind, low, high
        self.open_low, self.open_high = open_low, open_high
        self.ui = ui if ui is not None else (None if open_low else low,
                                             None if open_high else high,
                                             1 if kind is int else None)
        self.menu = None if menu is None else tuple(sorted(menu))
        for v in [b for b in (ui or ())[:2] if b is not None] + list(self.menu or ()):
            if not self._inside(v):
                raise ValueError(f"ui value {v} outside {self.describe()}")

    def describe(self) -> str:
        what = "a whole number" if self.kind is int else "a number"
        low, high = (None if b is None else _fmt(b, self.kind) for b in (self.low, self.high))
        if low is not None and high is not None:
            return (f"{what} in {'(' if self.open_low else '['}{low}, {high}"
                    f"{')' if self.open_high else ']'}")
        if low is not None:
            return f"{what} {'>' if self.open_low else '>='} {low}"
        if high is not None:
            return f"{what} {'<' if self.open_high else '<='} {high}"
        return what if self.kind is int else "a finite number"

    def _inside(self, v) -> bool:
        """Within the bounds (v a finite number or any int)."""
        return (self.low is None or (v > self.low if self.open_low else v >= self.low)) and \
            (self.high is None or (v < self.high if self.open_high else v <= self.high))

    def parse(self, text: str):
        text = text.strip()
        try:
            value = int(text)              # exact, however long; "0" reads back as 0, not 0.0
        except ValueError:
            try:
                value = float(text)        # "1e3", "3.0", "0.5"
            except ValueError:
                raise _refuse(self, text) from None
            if self.kind is int and value.is_integer():
                value = int(value)
        return self.check(value)

    def check(self, value):
        if not _real(value):
            raise _refuse(self, value)
        if isinstance(value, numbers.Integral):
            value = int(value)                      # exact, however large (np.uint64 too)
            if self.kind is float and abs(value) > sys.float_info.max:
                raise _refuse(self, value)      # no float holds it
        else:
            value = float(value)
            if not math.isfinite(value) or (self.kind is int and not value.is_integer()):
                raise _refuse(self, value)
        if not self._inside(value):
            raise _refuse(self, value)
        return self.kind(value)

    def ui_range(self, value=None) -> tuple:
        """(lo, hi, step) of a control: ``ui``, widened to hold ``value``."""
        lo, hi, step = self.ui
        if value is not None:
            lo = value if lo is None else min(lo, value)
            hi = value if hi is None else max(hi, value)
        return lo, hi, step

    def ui_menu(self, value=None) -> tuple | None:
        """The menu's values in order, with ``value`` among them (None: no menu)."""
        if self.menu is None:
            return None
        return tuple(sorted({*self.menu, *(() if value is None else (value,))}))


class Sizes:
    """Hidden layer sizes like 8,8: up to ``max_layers`` whole numbers in
    [1, max_units]; "0" (or nothing) is no hidden layer. ``ui``: (layers,
    units) a page usually offers."""

    def __init__(self, max_layers: int, max_units: int, ui: tuple | None = None):
        self.max_layers, self.max_units = max_layers, max_units
        self.ui = ui if ui is not None else (max_layers, max_units)
        if not (0 <= self.ui[0] <= max_layers and 1 <= self.ui[1] <= max_units):
            raise ValueError(f"ui {self.ui} outside {self.describe()}")

    def describe(self) -> str:
        return (f"0 to {self.max_layers} layer sizes like 8,8, each a whole number in "
                f"[1, {self.max_units}] (0: no hidden layer)")

    def parse(self, text: str) -> tuple:
        parts = [p for p in text.replace(" ", "").split(",") if p]
        if parts == ["0"]:
            return ()
        try:
            return self.check(tuple(int(p) for p in parts))
        except ValueError:
            raise _refuse(self, text) from None

    def check(self, value) -> tuple:
        try:
            value = tuple(value)
        except TypeError:
            raise _refuse(self, value) from None
        if len(value) > self.max_layers or any(
                not isinstance(n, numbers.Integral) or isinstance(n, (bool, np.bool_))
                or not 1 <= n <= self.max_units for n in value):
            raise _refuse(self, value, 60)
        return tuple(int(n) for n in value)

    def ui_range(self, value=()) -> tuple:
        """(most layers, most units) of the page's controls, widened to hold ``value``."""
        layers, units = self.ui
        return max(layers, len(value)), max([units, *value])


class Names:
    """Names like x1sq,x2sq: one or more from ``choices``.

    As a set of toggles (TensorFlow Playground's inputs, the default), a
    repeat counts once and the names come back in the choices' order. With
    ``ordered=True`` (a network's input columns) the order given is kept and
    a repeat is refused.
    """

    def __init__(self, choices, ordered: bool = False):
        self.choices, self.ordered = tuple(choices), ordered

    def describe(self) -> str:
        how = "each once, in any order" if self.ordered else "comma-separated"
        return f"one or more of {','.join(self.choices)}, {how}"

    def parse(self, text: str) -> tuple:
        return self.check([p for p in text.replace(" ", "").split(",") if p])

    def check(self, value) -> tuple:
        names = [value] if isinstance(value, str) else value
        try:
            names = list(names)
            once = list(dict.fromkeys(names))          # a repeat counts once
        except TypeError:                              # not a list, or unhashable names
            raise _refuse(self, value, 60) from None
        if not names or any(not isinstance(n, str) or n not in self.choices for n in names) \
                or (self.ordered and len(once) != len(names)):
            raise _refuse(self, value, 60)
        return tuple(map(str, names)) if self.ordered else \
            tuple(n for n in self.choices if n in once)


class Flag:
    """On or off: true/false (also 1/0, yes/no, on/off) in a URL or a flag."""

    WORDS = {"true": True, "1": True, "yes": True, "on": True,
             "false": False, "0": False, "no": False, "off": False}

    def describe(self) -> str:
        return "true or false"

    def parse(self, text: str) -> bool:
        try:
            return self.WORDS[text.strip().lower()]
        except KeyError:
            raise _refuse(self, text) from None

    def check(self, value) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise _refuse(self, value)
        return bool(value)


# A seed, wherever one enters (the data, the weights, the shuffling): what NumPy's
# generators and scikit-learn's random_state both accept. The page offers 0..2**31-1.
SEED = Interval(int, 0, 2**32 - 1, ui=(0, 2**31 - 1, 1))

"""The one rule book: what a value may hold, checked the same way wherever it
enters (a URL, a CLI flag, a preset, ``data.load``, an optimizer, the estimator).

Each rule is a small object with three methods (scikit-learn's declarative
constraints, ``sklearn.utils._param_validation``, in our own words):

* ``check(value)``: the value, normalised (``np.float32(0.1)`` -> ``0.1``), or
  ``ValueError("must be ...; got ...")``;
* ``parse(text)``: the same from a string (a URL value, a CLI argument);
* ``describe()``: what the rule allows, in words ("a whole number in [1, 32]").

``check(name, value, rule)`` puts the name in front of the message and raises
``RuleError`` (a ``ValueError``), so the same bad value reads the same
everywhere: ``samples must be a whole number in [10, 100000]; got 5.5``.

A rule may also carry ``ui``: the range a page's control usually offers
(a slider of 20 to 2,000 samples), always inside what the rule allows.
``ui_range(value)`` widens it to hold a value from a link, so a page never
rewrites a value it cannot show.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["RuleError", "check", "OneOf", "Interval", "Sizes", "Names", "Flag"]


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


class OneOf:
    """A value from a fixed list."""

    def __init__(self, *choices: str):
        self.choices = tuple(choices)

    def parse(self, text: str) -> str:
        return self.check(text.strip())

    def check(self, value):
        if not isinstance(value, str) or value not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}; got {_shown(value)}")
        return value

    def describe(self) -> str:
        return f"one of {', '.join(self.choices)}"


def _real(value) -> bool:
    """A real number that is not a bool (NumPy scalars count: np.float32(0.1))."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class Interval:
    """A whole number or a finite float in [low, high] (or (low, high] when
    ``open_low``). ``ui``: (lo, hi, step) a page's control usually offers."""

    def __init__(self, kind: type, low, high, open_low: bool = False, ui: tuple | None = None):
        self.kind, self.low, self.high, self.open_low = kind, low, high, open_low
        self.ui = ui if ui is not None else (low, high, 1 if kind is int else None)
        lo, hi, _ = self.ui
        if not (low <= lo <= hi <= high):
            raise ValueError(f"ui range {self.ui} outside [{low}, {high}]")

    def describe(self) -> str:
        what = "a whole number" if self.kind is int else "a number"
        low, high = (f"{v}" if self.kind is int else f"{v:g}" for v in (self.low, self.high))
        return f"{what} in {'(' if self.open_low else '['}{low}, {high}]"

    def parse(self, text: str):
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError(f"must be {self.describe()}; got {text[:40]!r}") from None
        return self.check(int(value) if self.kind is int and value.is_integer() else value)

    def check(self, value):
        ok = _real(value) and math.isfinite(value) \
            and (not self.open_low or value > self.low) and self.low <= value <= self.high \
            and (self.kind is float or float(value).is_integer())
        if not ok:
            raise ValueError(f"must be {self.describe()}; got {_shown(value)}")
        return self.kind(value)

    def ui_range(self, value=None) -> tuple:
        """(lo, hi, step) of a control: ``ui``, widened to hold ``value``."""
        lo, hi, step = self.ui
        if value is not None:
            lo, hi = min(lo, value), max(hi, value)
        return lo, hi, step


class Sizes:
    """Hidden layer sizes like 8,8: up to ``max_layers`` whole numbers in
    [1, max_units]; "0" (or nothing) is no hidden layer. ``ui``: (layers,
    units) a page usually offers."""

    def __init__(self, max_layers: int, max_units: int, ui: tuple | None = None):
        self.max_layers, self.max_units = max_layers, max_units
        self.ui = ui if ui is not None else (max_layers, max_units)

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
            raise ValueError(f"must be {self.describe()}; got {text[:40]!r}") from None

    def check(self, value) -> tuple:
        try:
            value = tuple(value)
        except TypeError:
            raise ValueError(f"must be {self.describe()}; got {_shown(value)}") from None
        if len(value) > self.max_layers or any(
                not isinstance(n, numbers.Integral) or isinstance(n, bool)
                or not 1 <= n <= self.max_units for n in value):
            raise ValueError(f"must be {self.describe()}; got {_shown(value, 60)}")
        return tuple(int(n) for n in value)

    def ui_range(self, value=()) -> tuple:
        """(most layers, most units) of the page's controls, widened to hold ``value``."""
        layers, units = self.ui
        return max(layers, len(value)), max([units, *value])


class Names:
    """Names like x1sq,x2sq: one or more from ``choices``, each once, kept in
    the choices' order (a set of toggles, as TensorFlow Playground's inputs)."""

    def __init__(self, choices):
        self.choices = tuple(choices)

    def describe(self) -> str:
        return f"one or more of {','.join(self.choices)}, comma-separated"

    def parse(self, text: str) -> tuple:
        return self.check([p for p in text.replace(" ", "").split(",") if p])

    def check(self, value) -> tuple:
        names = [value] if isinstance(value, str) else value
        try:
            names = list(dict.fromkeys(names))                 # a repeat counts once
        except TypeError:
            names = None
        if not names or any(not isinstance(n, str) or n not in self.choices for n in names):
            raise ValueError(f"must be {self.describe()}; got {_shown(value, 60)}")
        return tuple(n for n in self.choices if n in names)


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
            raise ValueError(f"must be {self.describe()}; got {text[:40]!r}") from None

    def check(self, value) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"must be {self.describe()}; got {_shown(value)}")
        return value

"""gradplay networks as scikit-learn estimators.

``MLPClassifier`` and ``MLPRegressor`` follow scikit-learn's rules (they pass
its ``check_estimator`` suite), so they work in ``Pipeline``,
``GridSearchCV`` and ``cross_val_score``. Underneath, ``model_`` is an
ordinary gradplay network you can inspect, draw or export with
``gradplay.interop``.

As in scikit-learn, ``__init__`` only stores the parameters; ``fit`` checks
them, all at once, against the table ``PARAMETERS`` (gradplay's rule book,
``gradplay.rules``, and the same rules as ``gradplay train`` where the
settings are the same), and ``random_state`` with scikit-learn's
``check_random_state``. A bad value gets a ``RuleError`` (a ValueError)
naming the parameter.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .config import FIELDS, head_for
from .data import Dataset
from .interop import MAX_LAYERS, MAX_UNITS
from .nets import make_mlp
from .rules import Interval, OneOf, RuleError, Sizes, check
from .train import MAX_EPOCHS, Trainer

__all__ = ["MLPClassifier", "MLPRegressor", "PARAMETERS", "NotNumbersError"]


class _NoneOr:
    """None (with its meaning), or a value ``rule`` allows."""

    def __init__(self, rule, meaning: str):
        self.rule, self.meaning = rule, meaning

    def describe(self) -> str:
        return f"None ({self.meaning}) or {self.rule.describe()}"

    def check(self, value):
        if value is None:
            return None
        try:
            return self.rule.check(value)
        except ValueError:
            raise ValueError(f"must be {self.describe()}; got {str(value)[:40]}") from None


# What each parameter may hold. Sizes up to what a model file holds
# (``interop``), so that every fitted model can be saved.
PARAMETERS = {
    "hidden_layer_sizes": Sizes(MAX_LAYERS, MAX_UNITS),
    "activation": FIELDS["activation"].rule,
    "loss": OneOf("auto", "mse"),
    "optimizer": FIELDS["optimizer"].rule,
    "learning_rate": FIELDS["lr"].rule,
    "epochs": Interval(int, 0, MAX_EPOCHS),
    "batch_size": _NoneOr(Interval(int, 1, 10**9), "the full batch"),
    "weight_decay": FIELDS["l2"].rule,
    "init": FIELDS["init"].rule,
    "engine": FIELDS["engine"].rule,
}


class NotNumbersError(RuleError, TypeError):
    """X holds something other than real numbers (text, dates, complex
    numbers, objects). A ValueError naming X, like every bad input here; also
    a TypeError, the type Python's ``float()`` raises for such an entry and
    scikit-learn's ``check_estimator`` expects."""


def _check_numbers(X, name: str = "X") -> None:
    """Refuse an X whose entries are not real numbers, naming X and an entry.
    Numbers held as Python objects (dtype object) are fine, text is not,
    even "1.5"; booleans count as 0 and 1. Sparse matrices are left to
    scikit-learn's own message."""
    if sparse.issparse(X):
        return
    try:
        a = X if isinstance(X, np.ndarray) else np.asarray(X)
    except (TypeError, ValueError):
        return                                   # ragged lists: validate_data says why
    if a.dtype.kind in "biuf":
        return
    if a.dtype.kind == "O":                      # numbers held as objects are fine
        for index, v in np.ndenumerate(a):
            try:
                if isinstance(v, (str, bytes)):
                    raise TypeError("text is not a number")
                float(v)
            except (TypeError, ValueError) as e:
                at = ", ".join(map(str, index))
                raise NotNumbersError(name, f"must hold real numbers; {name}[{at}] is "
                                      f"{type(v).__name__} {str(v)[:40]!r} ({e})") from None
        return
    what = {"U": "text", "S": "bytes", "M": "dates", "m": "time spans",
            "c": "complex numbers (Complex data not supported)"}.get(a.dtype.kind, "records")
    example = f" such as {a.flat[0]!r}" if a.size else ""
    raise NotNumbersError(name, f"must hold real numbers, got {what}: dtype {a.dtype}"
                          f"{example}")


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters and training."""

    def __init__(self, hidden_layer_sizes=(16,), activation="tanh", loss="auto",
                 optimizer="adam", learning_rate=0.01, epochs=200, batch_size=None,
                 weight_decay=0.0, init="xavier", engine="manual", random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.init = init
        self.engine = engine
        self.random_state = random_state

    def _checked_params(self) -> dict:
        """Every parameter checked against PARAMETERS (NumPy scalars become
        Python numbers), plus ``seed``: the int that seeds the weights and the
        shuffling, from ``random_state`` by scikit-learn's rule."""
        params = self.get_params()
        sizes = params["hidden_layer_sizes"]
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            params["hidden_layer_sizes"] = (sizes,)           # 16 means (16,), as in sklearn
        checked = {name: check(name, params[name], rule) for name, rule in PARAMETERS.items()}
        rs = self.random_state
        try:
            state = check_random_state(rs)
        except ValueError:
            raise RuleError("random_state", "must be None, a whole number in [0, 2**32 - 1] "
                            f"or a numpy.random.RandomState; got {repr(rs)[:40]}") from None
        # an int keeps its value (the same weights as make_mlp(seed=...)); a
        # RandomState (or None: NumPy's global one) draws the seed
        whole = isinstance(rs, numbers.Integral) and not isinstance(rs, bool)
        checked["seed"] = int(rs) if whole else int(state.randint(0, 2**31 - 1))
        return checked

    def _train(self, X, Y, classes: int, p: dict):
        """Fit a fresh model on X and targets Y with the checked parameters
        ``p``; ``classes`` 0 for regression."""
        output, loss, outputs = head_for(classes, "auto", p["loss"])
        if classes == 0:
            outputs = 1 if Y.ndim == 1 else Y.shape[1]
        seed = p["seed"]
        self.model_ = make_mlp([X.shape[1], *p["hidden_layer_sizes"], outputs],
                               activation=p["activation"], output=output, engine=p["engine"],
                               seed=seed, init=p["init"])
        data = Dataset(X, Y, X[:0], Y[:0], "fit")
        # No history (record_every=0): recording evaluates the whole training set
        # after every epoch, a second forward pass that a fit does not need. The
        # loss curve is the mean batch loss of each epoch, as in scikit-learn.
        trainer = Trainer(self.model_, data, loss=loss, optimizer=p["optimizer"],
                          lr=p["learning_rate"], batch_size=p["batch_size"],
                          weight_decay=p["weight_decay"], seed=seed, record_every=0)
        self.loss_curve_ = []
        history = trainer.run(p["epochs"], callback=self._record_loss)
        if history.stopped:
            warnings.warn(f"training stopped early: {history.stopped}", ConvergenceWarning,
                          stacklevel=3)
        self.n_iter_ = trainer.epoch
        return self

    def _record_loss(self, trainer: Trainer) -> None:
        self.loss_curve_.append(trainer.epoch_loss)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multi-layer perceptron classifier trained by gradplay.

    Two classes: one sigmoid output and binary cross-entropy. More: a softmax
    output with one unit per class and cross-entropy. ``loss="mse"`` trains
    on the mean squared error instead.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (16,)
    activation : {"tanh", "relu", "sigmoid", "leaky_relu", "softplus", "linear"}
    loss : {"auto", "mse"}
    optimizer : {"sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"}
    learning_rate : float
    epochs : int
    batch_size : int or None (full batch)
    weight_decay : float, the L2 penalty
    init : {"xavier", "he", "uniform", "normal"}
    engine : {"manual", "tensor", "scalar"}
    random_state : int, RandomState or None
    """

    def fit(self, X, y):
        p = self._checked_params()
        _check_numbers(X)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise ValueError(f"MLPClassifier needs samples of at least 2 classes; got 1 class "
                             f"({self.classes_[0]!r})")
        return self._train(X, encoded, k, p)

    def predict_proba(self, X):
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        _check_numbers(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        p = np.asarray(self.model_.predict(X))
        if p.ndim == 1:
            p = np.clip(p, 0.0, 1.0)
            return np.column_stack([1.0 - p, p])
        return p

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multi-layer perceptron regressor: linear output, mean squared error.

    Targets are standardised while training (and predictions mapped back), so
    the default learning rate suits targets of any scale -- up to float64's
    largest, 1.8e308 (``standardise``).
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True   # y may be (n, k): k linear output units
        return tags

    def fit(self, X, y):
        p = self._checked_params()
        _check_numbers(X)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        self._y_1d = y.ndim == 1
        target, self.y_mean_, self.y_scale_ = standardise(y.reshape(len(y), -1))
        return self._train(X, target[:, 0] if self._y_1d else target, 0, p)

    def predict(self, X):
        check_is_fitted(self)
        _check_numbers(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = np.asarray(self.model_.predict(X)).reshape(len(X), -1)
        out = out * self.y_scale_ + self.y_mean_
        return out[:, 0] if self._y_1d else out


def standardise(Y: np.ndarray):
    """(Y - mean) / std per column of finite targets Y (n, k), and the mean
    and std (k,) that map predictions back. A column of equal values keeps
    std 1.

    Textbook form: ``(Y - Y.mean(0)) / Y.std(0)``. With |y| near 1e200 the
    squares inside ``std`` overflow to inf, and every target became 0. So
    each column is first divided by its largest |y|, s: the mean and std of
    U = Y / s, whose entries are at most 1, cannot overflow, and
    (U - mean_U) / std_U is the same standardised target (s cancels).
    """
    s = np.abs(Y).max(axis=0)                                # (k,) largest |y|
    s[s == 0] = 1.0
    U = Y / s                                                # (n, k), |U| <= 1
    mean, std = U.mean(axis=0), U.std(axis=0)                # (k,) each
    std[std == 0] = 1.0
    return (U - mean) / std, mean * s, std * s

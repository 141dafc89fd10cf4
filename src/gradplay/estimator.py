"""gradplay networks as scikit-learn estimators.

``MLPClassifier`` and ``MLPRegressor`` follow scikit-learn's rules (they pass
its ``check_estimator`` suite), so they work in ``Pipeline``,
``GridSearchCV`` and ``cross_val_score``. Underneath, ``model_`` is an
ordinary gradplay network you can inspect, draw or export with
``gradplay.interop``.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .config import head_for
from .data import Dataset
from .nets import make_mlp
from .train import Trainer

__all__ = ["MLPClassifier", "MLPRegressor"]


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

    def _seed(self):
        rs = self.random_state
        if rs is None or isinstance(rs, (int, np.integer)):
            return rs
        return int(rs.randint(0, 2**31 - 1))  # a RandomState instance

    def _check_loss(self) -> None:
        if self.loss not in ("auto", "mse"):
            raise ValueError(f"loss must be 'auto' or 'mse', got {self.loss!r}")

    def _train(self, X, Y, classes: int):
        """Fit a fresh model on X and targets Y; ``classes`` 0 for regression."""
        output, loss, outputs = head_for(classes, "auto", self.loss)
        if classes == 0:
            outputs = 1 if Y.ndim == 1 else Y.shape[1]
        hidden = (self.hidden_layer_sizes,) if np.isscalar(self.hidden_layer_sizes) \
            else tuple(self.hidden_layer_sizes)
        seed = self._seed()
        self.model_ = make_mlp([X.shape[1], *hidden, outputs], activation=self.activation,
                               output=output, engine=self.engine, seed=seed, init=self.init)
        data = Dataset(X, Y, X[:0], Y[:0], "fit")
        # No history (record_every=0): recording evaluates the whole training set
        # after every epoch, a second forward pass that a fit does not need. The
        # loss curve is the mean batch loss of each epoch, as in scikit-learn.
        trainer = Trainer(self.model_, data, loss=loss, optimizer=self.optimizer,
                          lr=self.learning_rate, batch_size=self.batch_size,
                          weight_decay=self.weight_decay, seed=seed, record_every=0)
        self.loss_curve_ = []
        history = trainer.run(self.epochs, callback=self._record_loss)
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
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise ValueError(f"MLPClassifier needs samples of at least 2 classes; got 1 class "
                             f"({self.classes_[0]!r})")
        self._check_loss()
        return self._train(X, encoded, k)

    def predict_proba(self, X):
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
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
    the default learning rate suits targets of any scale.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True   # y may be (n, k): k linear output units
        return tags

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        self._check_loss()
        Y = y.reshape(len(y), -1)
        self.y_mean_ = Y.mean(axis=0)
        self.y_scale_ = Y.std(axis=0)
        self.y_scale_[self.y_scale_ == 0] = 1.0
        self._y_1d = y.ndim == 1
        target = (Y - self.y_mean_) / self.y_scale_                 # standardised (n, k)
        return self._train(X, target[:, 0] if self._y_1d else target, 0)

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = np.asarray(self.model_.predict(X)).reshape(len(X), -1)
        out = out * self.y_scale_ + self.y_mean_
        return out[:, 0] if self._y_1d else out

"""What a ``LiveTrainer`` is built from: a config, a preset or fields, and data.

The names are ``RunConfig``'s, the same as the web page's URL keys and the
command line's flags (``gradplay.config.FIELDS``), so a run moves between
the page, the CLI and a notebook unchanged.
"""

from __future__ import annotations

from pathlib import Path

from ..config import FIELDS, PRESETS, RunConfig
from ..data import Dataset, from_arrays, load_csv

__all__ = ["config_from", "dataset_from"]


def config_from(config: RunConfig | None = None, preset: str | None = None,
                fields: dict | None = None) -> RunConfig:
    """A ``RunConfig``, or a preset's, or the defaults; then ``fields`` over it.

    An unknown preset or field, or a value a field refuses, raises a
    ValueError naming it and what is allowed.
    """
    if config is not None and preset is not None:
        raise ValueError("give a config or a preset, not both")
    if config is not None and not isinstance(config, RunConfig):
        raise TypeError(f"config must be a RunConfig, got {type(config).__name__}")
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"preset: no preset named {str(preset)[:40]!r}; the presets are "
                         f"{', '.join(PRESETS)}")
    base = config if config is not None else PRESETS[preset] if preset else RunConfig()
    unknown = sorted(set(fields or {}) - set(FIELDS))
    if unknown:
        raise ValueError(f"no setting named {unknown[0][:40]!r}; the settings are "
                         f"{', '.join(FIELDS)}")
    return base.replace(**fields) if fields else base


def dataset_from(data, config: RunConfig) -> Dataset | None:
    """The learner's own data as a ``Dataset``, or None (the config's generator).

    ``data`` may be a ``Dataset``; arrays ``(X, y)``: X (n, 2) numbers and
    y (n,) labels, split by ``data.from_arrays`` with the config's
    ``test_size`` and ``data_seed``; or a CSV of rows ``x1,x2,label``: its
    path, or its text (``data.load_csv``). Bad data raises ``DataError``
    naming the row or entry.
    """
    if data is None or isinstance(data, Dataset):
        return data
    if isinstance(data, (str, Path)):
        return load_csv(data, test_size=config.test_size, seed=config.data_seed)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        X, y = data
        return from_arrays(X, y, test_size=config.test_size, seed=config.data_seed)
    raise TypeError("data must be a gradplay.data.Dataset, arrays (X, y), or the path of "
                    f"a CSV file; got {type(data).__name__}")

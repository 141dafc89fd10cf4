"""The trainer's sidebar: one widget per ``RunConfig`` field, from a table.

Each widget's key is ``w_<field>`` and its range comes from the field's rule
(``settings.bounds``), so a value from a link is shown as it is. A control a
classroom link hides (``hide=...``) is not drawn; its value stays.
"""

from __future__ import annotations


from ..config import FIELDS, MULTICLASS_DATASETS, regenerate
from ..features import FEATURES
from ..rules import OneOf
from .settings import bounds

__all__ = ["draw"]

LABELS = {"dataset": "Dataset", "classes": "Classes", "samples": "Samples", "noise": "Noise",
          "test_size": "Test share", "data_seed": "Data seed", "activation": "Activation",
          "output": "Output", "loss": "Loss", "init": "Initialisation", "seed": "Weight seed",
          "engine": "Engine", "optimizer": "Optimizer", "lr": "Learning rate", "l2": "L2",
          "l1": "L1", "momentum": "Momentum", "schedule": "Learning-rate schedule",
          "gamma": "Schedule factor", "step_size": "Epochs between steps",
          "decay": "Schedule decay", "batch_size": "Batch size", "epochs": "Last epoch"}
SECTIONS = (("Data", ("dataset", "classes", "samples", "noise", "test_size", "data_seed")),
            ("Network", ("features", "hidden", "activation", "output", "loss", "init", "seed",
                         "engine")),
            ("Optimisation (applies while training)",
             ("optimizer", "momentum", "lr", "l2", "l1", "schedule", "gamma", "step_size",
              "decay", "batch_size", "epochs")))


def _hidden_for(name: str, s) -> bool:
    """Controls that mean nothing for the current settings are not drawn."""
    return (name == "momentum" and s.w_optimizer not in ("momentum", "nesterov")
            or name == "gamma" and s.w_schedule not in ("step", "exponential")
            or name == "step_size" and s.w_schedule != "step"
            or name == "decay" and s.w_schedule != "inverse")


def _field(box, name: str, s) -> None:
    """The widget of one RunConfig field."""
    key, label, tip = f"w_{name}", LABELS.get(name, name), FIELDS[name].help
    csv = s.w_dataset == "csv"
    rule = FIELDS[name].rule
    if isinstance(rule, OneOf):
        box.selectbox(label, rule.choices, key=key, help=tip,
                      format_func=(lambda d: "upload a CSV…" if d == "csv" else d))
    elif getattr(rule, "menu", None):                         # a select-slider of fixed steps
        box.select_slider(label, rule.ui_menu(s[key]), key=key, help=tip,
                          format_func=lambda b: "full" if name == "batch_size" and b == 0 else str(b))
    elif name == "epochs":
        box.checkbox("Stop at an epoch", key="w_stop", help="otherwise training goes on until Pause")
        lo, hi, _ = bounds(name, s[key])
        box.number_input(label, lo, hi, step=100, key=key, disabled=not s.w_stop)
    elif name in ("data_seed", "seed"):
        lo, hi, _ = bounds(name, s[key])
        box.number_input(label, lo, hi, key=key, help=tip)
    else:
        lo, hi, step = bounds(name, s[key])
        box.slider(label, lo, hi, step=step, key=key, help=tip,
                   disabled=name == "classes" and s.w_dataset not in MULTICLASS_DATASETS
                   or name in ("samples", "noise") and csv)


def _layers(box, s) -> None:
    """The hidden layers: how many, and each one's units."""
    for i in range(s.w_layers):
        s.setdefault(f"w_n{i}", 4)                # a new layer starts with 4 units
    layers, units = FIELDS["hidden"].rule.ui_range(tuple(s[f"w_n{i}"] for i in range(s.w_layers)))
    box.slider("Hidden layers", 0, layers, key="w_layers")
    cols = box.columns(3)
    for i in range(s.w_layers):
        cols[i % 3].number_input(f"layer {i + 1}", 1, units, key=f"w_n{i}")


def draw(side, s, on_csv) -> None:
    """Every section's widgets, the CSV upload and the Regenerate button."""
    shown = lambda name: name not in s.hide and not _hidden_for(name, s)   # noqa: E731
    if s.w_dataset not in MULTICLASS_DATASETS:
        s.w_classes = 2
    for title, names in SECTIONS:
        side.subheader(title)
        for name in filter(shown, names):
            if name == "features":
                side.multiselect("Input features", tuple(FEATURES), key="w_features",
                                 format_func=lambda n: FEATURES[n].label,
                                 help="what the network sees of a point; or click the input nodes")
            elif name == "hidden":
                _layers(side, s)
            else:
                _field(side, name, s)
            if name == "dataset" and s.w_dataset == "csv":
                upload = side.file_uploader("CSV with rows x1,x2,label", type=["csv", "txt"])
                if upload is not None:
                    on_csv(upload.getvalue())
            if name == "data_seed" and shown("regenerate"):
                side.button("Regenerate data", key="regenerate", disabled=s.w_dataset == "csv",
                            on_click=_regenerate, args=(s,),
                            help="new points from the same generator (a new data seed)")


def _regenerate(s) -> None:
    """New points from the same generator: a new data seed (a new run)."""
    s.w_data_seed = regenerate(s.applied).data_seed

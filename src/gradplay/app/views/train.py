"""Page 2: choose data and a network, then watch it train live.

Every setting lives in the URL's query string (a copied link reproduces the
run). Training happens in short slices inside a fragment that reruns a few
times a second, so the page stays responsive and Pause acts at once.
"""

import time

import matplotlib
import streamlit as st

from gradplay import interop
from gradplay.check import compare_engines
from gradplay.classroom import parse_hide, student_query
from gradplay.config import FIELDS, OneOf, RunConfig, build_run, reset_fields
from gradplay.data import load_csv
from gradplay.viz.live import boundary_figure, curves_figure, hidden_mosaic
from gradplay.viz.network import network_dot
from gradplay.viz.plots import (decision_grid, figure_png, grid_bounds, plot_decision_boundary,
                                plot_loss)

matplotlib.use("Agg")  # figures are rendered to PNG on the server, never shown

REFRESH_SECONDS = 0.3     # a redraw about three times a second while training
SLICE_SECONDS = 0.12      # training time per redraw
ss = st.session_state

# ---------------------------------------------------------------- settings <-> URL
if "config" not in ss:
    ss.config, ss.url_notes = RunConfig.from_query(st.query_params)
    ss.hidden, hide_notes = parse_hide(st.query_params.get_all("hide"))   # classroom mode
    ss.url_notes += hide_notes
    for name, value in ss.config.to_query().items():
        ss[f"cfg_{name}"] = value
    ss.running = False

st.title("Train a network")
for note in ss.pop("url_notes", []):
    st.warning(f"Link: {note}", icon="🔗")


def field_widget(container, name: str) -> None:
    """One sidebar control per RunConfig field, typed in as text and checked by
    the field's own rule (the same rule as the URL and the CLI)."""
    rule, label = FIELDS[name].rule, name.replace("_", " ")
    if isinstance(rule, OneOf):
        container.selectbox(label, rule.choices, key=f"cfg_{name}", help=FIELDS[name].help)
    else:
        container.text_input(label, key=f"cfg_{name}",
                             help=f"{FIELDS[name].help}: {rule.describe()}")


side = st.sidebar
for group, title in (("data", "Data"), ("model", "Network"), ("optim", "Optimisation"),
                     ("run", "Run")):
    side.header(title)
    for name, spec in FIELDS.items():
        if spec.group == group and name not in ss.hidden:
            field_widget(side, name)
if ss.cfg_dataset == "csv":
    upload = side.file_uploader("CSV with rows x1,x2,label", type=["csv", "txt"])
    if upload is not None:
        ss.csv_bytes = upload.getvalue()

config, problems = RunConfig.from_query({f: ss[f"cfg_{f}"] for f in FIELDS})
for problem in problems:
    side.error(problem)
query = student_query(config, ss.hidden)   # the settings, and the controls hidden
if dict(st.query_params) != query:
    st.query_params.from_dict(query)

# ---------------------------------------------------------------- the run
csv_key = hash(ss.get("csv_bytes")) if config.dataset == "csv" else 0
if ss.get("run") is None or ss.get("run_csv") != csv_key or \
        reset_fields(ss.run.config, config):
    ss.running = False
    ss.run, ss.run_error = None, None
    try:
        data = None
        if config.dataset == "csv":
            if not ss.get("csv_bytes"):
                raise ValueError("dataset 'csv': upload a file with rows x1,x2,label first")
            data = load_csv(ss.csv_bytes, test_size=config.test_size, seed=config.data_seed,
                            name="uploaded")
        ss.run = build_run(config, data)
    except ValueError as e:
        ss.run_error = str(e)
    ss.run_csv = csv_key
elif ss.run.config != config:
    ss.run.retune(config)          # learning rate, optimizer, L1/L2, schedule: no reset

if ss.run_error:
    st.error(ss.run_error, icon="⚠️")
    st.stop()
run = ss.run


def train() -> None:
    ss.target = run.trainer.epoch + run.config.epochs
    ss.running = run.trainer.history.stopped is None


def pause() -> None:
    ss.running = False


def step() -> None:
    ss.running = False
    run.trainer.step()


def reset() -> None:
    ss.running = False
    ss.run = build_run(run.config, run.data)


c = st.columns([1, 1, 1, 1, 4])
c[0].button("▶ Train", key="train", on_click=train, type="primary", disabled=ss.running,
            width="stretch")
c[1].button("⏸ Pause", key="pause", on_click=pause, disabled=not ss.running, width="stretch")
c[2].button("Step", key="step", on_click=step, width="stretch", help="one epoch")
c[3].button("↺ Reset", key="reset", on_click=reset, width="stretch",
            help="new weights from the seed")
c[4].caption(f"{run.model.describe()} · {run.data!r}")


def model_json() -> str:
    return interop.dumps(ss.run.model)


def boundary_png() -> bytes:
    """The decision boundary, prediction beside ground truth, as a PNG."""
    return figure_png(plot_decision_boundary(ss.run.model, ss.run.data))


def loss_png() -> bytes:
    return figure_png(plot_loss(ss.run.trainer.history))


def advance(trainer, seconds: float, target: int) -> None:
    """Train batches until the time slice is spent or the target epoch is reached."""
    start = time.perf_counter()
    while trainer.epoch < target and time.perf_counter() - start < seconds:
        if not trainer.step_batch():
            break


@st.fragment(run_every=REFRESH_SECONDS if ss.running else None)
def live_view() -> None:
    r = ss.run
    t = r.trainer
    target = ss.get("target", t.epoch + r.config.epochs)
    if ss.running:
        advance(t, SLICE_SECONDS, target)
        if t.epoch >= target or t.history.stopped:
            ss.running = False
            st.rerun()  # redraw the buttons and stop the timer
    last = t.history.last()
    st.progress(min(t.epoch / max(target, 1), 1.0),
                text=f"epoch {t.epoch:,} of {target:,}" + (" — training…" if ss.running
                                                            else ""))
    m = st.columns(5)
    m[0].metric("Epoch", f"{t.epoch:,}")
    m[1].metric("Train loss", f"{last['train_loss']:.4f}" if last else "—")
    m[2].metric("Test loss", f"{last['test_loss']:.4f}" if last else "—")
    m[3].metric("Train accuracy", f"{last['train_accuracy']:.1%}" if last else "—")
    m[4].metric("Test accuracy", f"{last['test_accuracy']:.1%}" if last else "—")
    if t.history.stopped:
        st.error(f"Training stopped: {t.history.stopped}.", icon="🛑")

    left, right = st.columns([3, 2])
    grid = decision_grid(r.model, grid_bounds(r.data.X), 100)
    left.plotly_chart(boundary_figure(grid, r.data, "decision boundary (dots: train, "
                                                    "crosses: test)"),
                      width="stretch", key="boundary", config={"displayModeBar": False})
    if len(t.history):
        right.plotly_chart(curves_figure(t.history), width="stretch", key="curves",
                           config={"displayModeBar": False})
    else:
        right.info("Press **Train** to start, or **Step** for one epoch.")

    net, hidden = st.columns([2, 3])
    net.markdown("**The network** — blue weights are positive, orange negative; thicker is "
                 "larger")
    try:
        net.graphviz_chart(network_dot(r.model), width="stretch", height=360)
    except ValueError as e:
        net.caption(str(e))
    hidden.markdown(f"**Hidden neurons** — each tile is one neuron's {r.model.activation} "
                    "output over the input plane (blue high, orange low)")
    for i, image in enumerate(hidden_mosaic(r.model, grid_bounds(r.data.X), 40, 32)):
        shown = 2 * image.shape[1]  # twice the pixels, or the column's width
        hidden.image(image, caption=f"hidden layer {i + 1}", clamp=True,
                     width=shown if shown <= 560 else "stretch")

    d1, d2, d3 = st.columns(3)
    d1.download_button("⬇ Model (JSON)", model_json, file_name="gradplay-model.json",
                       mime="application/json", on_click="ignore", width="stretch")
    d2.download_button("⬇ Decision boundary (PNG)", boundary_png,
                       file_name="decision_boundary.png", mime="image/png", on_click="ignore",
                       width="stretch")
    d3.download_button("⬇ Loss curve (PNG)", loss_png, file_name="training_loss.png",
                       mime="image/png", on_click="ignore", width="stretch")


live_view()

with st.expander("Check the gradients: the same step on every engine"):
    st.markdown("The scalar engine (a graph of single numbers: one node per neuron's weighted "
                "sum and per activation), the tensor engine (one node per matrix operation), "
                "backpropagation written by hand and PyTorch's autograd "
                "compute the gradient of the current model's loss on the first 64 training "
                "points. The last column is the largest difference from the hand-written "
                "gradients.")
    if st.button("Compare now", key="compare"):
        r = ss.run
        rows = compare_engines(r.model, r.data.X_train, r.data.y_train, r.trainer.loss_name)
        st.dataframe(rows, hide_index=True, width="stretch",
                     column_config={"max_grad_diff": st.column_config.NumberColumn(
                         "largest gradient difference", format="%.1e")})
st.caption("The URL holds every setting: copy it to share this exact run.")

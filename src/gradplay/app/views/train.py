"""Page 2: choose data and a network, then watch it train live.

Every setting lives in the URL's query string (a copied link reproduces the
run). Training happens in short slices inside a fragment that reruns a few
times a second, so the page stays responsive and Pause acts at once.
"""

import matplotlib
import streamlit as st

from gradplay import interop
from gradplay.network import compare_engines
from gradplay.playground import (BATCH_SIZES, CHOICES, DECAYS, L2_VALUES, LEARNING_RATES,
                                 RANGES, LiveRun, Settings, make_dataset)
from gradplay.train import SCALAR_NODE_CAP
from gradplay.viz.live import boundary_figure, curves_figure, hidden_mosaic
from gradplay.viz.network import network_dot
from gradplay.viz.plots import (decision_grid, figure_png, grid_bounds, plot_decision_boundary,
                                plot_loss)

matplotlib.use("Agg")  # figures are rendered to PNG on the server, never shown

REFRESH_SECONDS = 0.3     # a redraw about three times a second while training
SLICE_SECONDS = 0.12      # training time per redraw
ss = st.session_state

# ---------------------------------------------------------------- settings <-> URL
if "w_dataset" not in ss:
    settings, notes = Settings.from_query(st.query_params)
    for name, value in vars(settings).items():
        if name != "hidden":
            ss[f"w_{name}"] = value
    ss.w_layers = len(settings.hidden)
    for i, n in enumerate(settings.hidden):
        ss[f"w_n{i}"] = n
    ss.url_notes = notes
    ss.running = False

st.title("Train a network")
for note in ss.pop("url_notes", []):
    st.warning(f"Link: {note}")

side = st.sidebar
side.header("Data")
side.selectbox("Dataset", CHOICES["dataset"], key="w_dataset",
               format_func=lambda d: "upload a CSV…" if d == "csv" else d)
csv_mode = ss.w_dataset == "csv"
if csv_mode:
    upload = side.file_uploader("CSV with rows x1,x2,label", type=["csv", "txt"])
    if upload is not None:
        ss.csv_bytes = upload.getvalue()[:5_000_000]
if ss.w_dataset not in ("spiral", "gaussians"):
    ss.w_classes = 2
side.slider("Classes", *RANGES["classes"], key="w_classes",
            disabled=ss.w_dataset not in ("spiral", "gaussians"),
            help="spiral and gaussians can have more than two classes")
side.slider("Samples", *RANGES["samples"], step=10, key="w_samples", disabled=csv_mode)
side.slider("Noise", *RANGES["noise"], step=0.05, key="w_noise", disabled=csv_mode)
side.slider("Test ratio", *RANGES["test"], step=0.05, key="w_test")
side.number_input("Data seed", *RANGES["data_seed"], key="w_data_seed")

side.header("Network")
side.slider("Hidden layers", *RANGES["layers"], key="w_layers")
neuron_cols = side.columns(3)
for i in range(ss.w_layers):
    ss.setdefault(f"w_n{i}", 4)
    neuron_cols[i % 3].number_input(f"layer {i + 1}", *RANGES["neurons"], key=f"w_n{i}")
side.selectbox("Activation", CHOICES["activation"], key="w_activation")
multiclass = ss.w_classes > 2
if multiclass:
    ss.w_output = "softmax"
side.selectbox("Output", CHOICES["output"], key="w_output", disabled=multiclass,
               help="softmax: one unit per class; sigmoid: one unit, p(class 1)")
losses = {"sigmoid": ["bce", "mse"], "softmax": ["ce", "mse"], "linear": ["mse"]}[ss.w_output]
if ss.w_loss not in losses:
    ss.w_loss = losses[0]
side.selectbox("Loss", losses, key="w_loss",
               format_func=lambda x: {"bce": "binary cross-entropy", "ce": "cross-entropy",
                                      "mse": "mean squared error"}[x])
side.selectbox("Initialisation", CHOICES["init"], key="w_init")
side.number_input("Weight seed", *RANGES["seed"], key="w_seed")

side.header("Optimisation")
side.selectbox("Optimizer", CHOICES["optimizer"], key="w_optimizer")
side.select_slider("Learning rate", LEARNING_RATES, key="w_lr")
side.selectbox("Learning-rate decay", DECAYS, key="w_decay",
               help="inverse: lr/(1+0.001 t); exponential: lr·0.999^t; step: halve every 500")
side.select_slider("L2 (weight decay)", L2_VALUES, key="w_l2")
side.select_slider("Batch size", BATCH_SIZES, key="w_batch",
                   format_func=lambda b: "full" if b == 0 else str(b))
side.number_input("Epochs", *RANGES["epochs"], step=100, key="w_epochs")
side.selectbox("Engine", CHOICES["engine"], key="w_engine",
               help=f"scalar builds a node per multiply: capped at {SCALAR_NODE_CAP:,} nodes "
                    "a step, so keep it small")

settings = Settings(**{name: ss[f"w_{name}"] for name in vars(Settings()) if name != "hidden"},
                    hidden=[int(ss[f"w_n{i}"]) for i in range(ss.w_layers)])
query = settings.to_query()
if dict(st.query_params) != query:
    st.query_params.from_dict(query)

# ---------------------------------------------------------------- the run
data_key = (query["dataset"], query["samples"], query["noise"], query["test"],
            query["data_seed"], query["classes"], hash(ss.get("csv_bytes")) if csv_mode else 0)
if ss.get("run_query") != query or ss.get("run_data_key") != data_key:
    ss.running = False
    ss.run, ss.run_error = None, None
    try:
        data = make_dataset(settings, ss.get("csv_bytes"))
        ss.run = LiveRun(settings, data)
    except ValueError as e:
        ss.run_error = str(e)
    ss.run_query, ss.run_data_key = query, data_key

if ss.run_error:
    st.error(ss.run_error, icon="⚠️")
    st.stop()
run: LiveRun = ss.run


def train() -> None:
    if run.finished and run.stopped is None:
        run.extend()
    ss.running = run.stopped is None


def pause() -> None:
    ss.running = False


def step() -> None:
    ss.running = False
    run.step()


def reset() -> None:
    ss.running = False
    ss.run = LiveRun(run.settings, run.data)


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
    return figure_png(plot_loss(ss.run.history))


@st.fragment(run_every=REFRESH_SECONDS if ss.running else None)
def live_view() -> None:
    r: LiveRun = ss.run
    if ss.running:
        r.advance(SLICE_SECONDS)
        if r.finished:
            ss.running = False
            st.rerun()  # redraw the buttons and stop the timer
    last = r.metrics()
    st.progress(min(r.epoch / max(r.target, 1), 1.0),
                text=f"epoch {r.epoch:,} of {r.target:,}" + (" — training…" if ss.running
                                                              else ""))
    m = st.columns(5)
    m[0].metric("Epoch", f"{r.epoch:,}")
    m[1].metric("Train loss", f"{last['train_loss']:.4f}" if last else "—")
    m[2].metric("Test loss", f"{last['test_loss']:.4f}" if last else "—")
    m[3].metric("Train accuracy", f"{last['train_accuracy']:.1%}" if last else "—")
    m[4].metric("Test accuracy", f"{last['test_accuracy']:.1%}" if last else "—")
    if r.stopped:
        st.error(f"Training stopped: {r.stopped}. The model shown is the last good one.",
                 icon="🛑")

    left, right = st.columns([3, 2])
    grid = decision_grid(r.model, grid_bounds(r.data.X), 100)
    left.plotly_chart(boundary_figure(grid, r.data, "decision boundary (dots: train, "
                                                    "crosses: test)"),
                      width="stretch", key="boundary", config={"displayModeBar": False})
    if len(r.history):
        right.plotly_chart(curves_figure(r.history), width="stretch", key="curves",
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
    st.markdown("The scalar engine (one node per multiply), the tensor engine (one node per "
                "matrix operation), backpropagation written by hand and PyTorch's autograd "
                "compute the gradient of the current model's loss on the first 64 training "
                "points. The last column is the largest difference from the hand-written "
                "gradients.")
    if st.button("Compare now", key="compare"):
        r = ss.run
        rows = compare_engines(r.model, r.data.X_train, r.data.y_train, r.settings.loss)
        st.dataframe(rows, hide_index=True, width="stretch",
                     column_config={"max_grad_diff": st.column_config.NumberColumn(
                         "largest gradient difference", format="%.1e")})
st.caption("The URL holds every setting: copy it to share this exact run.")

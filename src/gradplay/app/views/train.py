"""Page: train a network and watch it learn, frame by frame.

Every setting is a ``RunConfig`` field and lives in the URL (a copied link
reproduces the run). The picture is one browser-side renderer
(``components/live_trainer``) fed with frames of bytes made on the server
(``viz.frames``); ``app.live.LiveSession`` does the training.

The frame loop runs inside a fragment. Each frame trains for a bounded time.
Frames travel in messages of several (the browser shows them 1/30 s apart):
a message goes when the browser has drawn the last one and ``MIN_BUNDLE``
frames are ready, so a busy browser gets fewer, larger messages. The browser
says when it has drawn a message, and the server never has more than
``WINDOW`` frames on their way, so nothing piles up when the machine is busy.
One fragment run streams for as long as the browser keeps answering: a new
run costs the browser an update of the whole page. A click on the network,
a setting or Pause ends the run at once (``run_must_end``).
"""

import time

import streamlit as st

from gradplay.app.components import live_trainer
from gradplay.app.live import FAST, MAX_BUDGET, SPEEDS, LiveSession
from gradplay.check import compare_engines
from gradplay.classroom import HIDEABLE, UI_CONTROLS, parse_hide, student_link, student_query
from gradplay.config import (BATCH_SIZES, FIELDS, L1_RATES, MULTICLASS_DATASETS, RunConfig,
                             regenerate)
from gradplay.data import DATASETS, load_csv
from gradplay.features import FEATURES, check_features
from gradplay.functional import ACTIVATIONS, OUTPUTS
from gradplay.nets import ENGINES, INITS
from gradplay.optim import OPTIMIZERS, SCHEDULES

WINDOW = 12                # frames made and not yet drawn, at most
FRAME_SECONDS = 1 / 30     # frames are at least this far apart
BUNDLE = 8                 # frames per message at most, shown 1/30 s apart (see live_view),
MIN_BUNDLE = 4             # and at least, while training runs on
QUIET_SECONDS = 1.0        # a fragment run ends when the browser has said nothing new for this long,
RUN_SECONDS = 60.0         # and after this long in any case;
PAGE_RUN_SECONDS = 0.5     # a run of the whole page, after this long (see live_view)
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PAGE_KEYS = ("speed", "stop")   # the page's own URL keys, beside RunConfig's fields
ss = st.session_state


def _with(options: tuple, value) -> list:
    """The options with ``value`` among them (a value from a link may not be)."""
    return sorted(set(options) | {value}) if value not in options else list(options)


# ---------------------------------------------------------------- settings <-> URL
if "w_dataset" not in ss:
    cfg0, notes = RunConfig.from_query(st.query_params)
    for name, value in cfg0.to_dict().items():
        ss[f"w_{name}"] = value
    ss.w_features = list(cfg0.features)       # a multiselect holds a list
    ss.w_layers = len(cfg0.hidden)
    for i, n in enumerate(cfg0.hidden):
        ss[f"w_n{i}"] = n
    speed = st.query_params.get("speed", "1")
    ss.w_speed = FAST if speed == FAST else int(speed) if speed.isdigit() and int(speed) in SPEEDS \
        else 1
    ss.w_stop = st.query_params.get("stop") == "1"
    ss.hide, hide_notes = parse_hide(st.query_params.get_all("hide"))   # classroom mode
    ss.url_notes = notes + hide_notes
    ss.running, ss.seq, ss.acked = False, 0, {}
    ss.heard = {}                             # the last number of each renderer event applied
    ss.held_controls = {}                     # see set_control


def set_control(key: str, value) -> None:
    """Set a sidebar control from the page (an input-node click, Regenerate).

    The browser learns the new value from the next run of the whole page. A
    request it sent before that (while training runs, it acknowledges frames
    all the time) still carries the old value, and Streamlit would take it for
    the user's: the network would flip back and forth. So the value is held
    (``hold_controls``) until the browser has drawn a frame made after it."""
    ss[key] = value
    ss.held_controls[key] = (value, ss.seq + 1)


def hold_controls() -> None:
    """Undo what requests older than a ``set_control`` say about its control."""
    for key, (value, seq) in list(ss.held_controls.items()):
        if not ss.running or ss.acked.get("seq", 0) >= seq:
            del ss.held_controls[key]         # the browser has it (or sends nothing meanwhile)
        elif ss.get(key) != value:
            ss[key] = value


hold_controls()


def shown(name: str) -> bool:
    """Whether a control is drawn (classroom mode hides some; their values stay)."""
    return name not in ss.hide


class _Hidden:
    """Stands in for the sidebar when a control is hidden: draws nothing."""

    def __getattr__(self, _):
        return lambda *args, **kwargs: None


def bar(name: str):
    """Where control ``name`` goes: the sidebar, or nowhere if it is hidden."""
    return side if shown(name) else _Hidden()

side = st.sidebar
side.subheader("Data")
bar("dataset").selectbox("Dataset", DATASETS + ("csv",), key="w_dataset",
               format_func=lambda d: "upload a CSV…" if d == "csv" else d)
csv_mode = ss.w_dataset == "csv"
if csv_mode:
    upload = side.file_uploader("CSV with rows x1,x2,label", type=["csv", "txt"])
    if upload is not None:
        ss.csv_bytes = upload.getvalue()      # load_csv refuses an over-limit file whole
multi = ss.w_dataset in MULTICLASS_DATASETS
if not multi:
    ss.w_classes = 2
bar("classes").slider("Classes", 2, 5, key="w_classes", disabled=not multi,
            help="spiral and gaussians can have more than two classes")
ss.w_samples = min(max(ss.w_samples, 20), 2000)
bar("samples").slider("Samples", 20, 2000, step=10, key="w_samples", disabled=csv_mode)
ss.w_noise = min(ss.w_noise, 1.0)
bar("noise").slider("Noise", 0.0, 1.0, step=0.05, key="w_noise", disabled=csv_mode)
bar("test_size").slider("Test share", 0.0, 0.5, step=0.05, key="w_test_size")
bar("data_seed").number_input("Data seed", 0, 2**31 - 1, key="w_data_seed")


def regenerate_data() -> None:
    """New points from the same generator: a new data seed (a new run)."""
    set_control("w_data_seed",
                regenerate(ss.live.config if "live" in ss else RunConfig()).data_seed)


bar("regenerate").button("Regenerate data", key="regenerate", on_click=regenerate_data,
                         disabled=csv_mode, help="new points from the same generator (a new "
                                                 "data seed), and a new network")

side.subheader("Network")
bar("features").multiselect("Input features", tuple(FEATURES), key="w_features",
                            format_func=lambda n: FEATURES[n].label,
                            help="what the network sees of a point; or click the input nodes")
bar("hidden").slider("Hidden layers", 0, 6, key="w_layers")
cols = side.columns(3) if shown("hidden") else [_Hidden()] * 3
for i in range(ss.w_layers):
    ss.setdefault(f"w_n{i}", 4)
    ss[f"w_n{i}"] = min(ss[f"w_n{i}"], 32)
    cols[i % 3].number_input(f"layer {i + 1}", 1, 32, key=f"w_n{i}")
bar("activation").selectbox("Activation", tuple(ACTIVATIONS), key="w_activation")
bar("output").selectbox("Output", ("auto",) + tuple(OUTPUTS), key="w_output",
               help="auto: sigmoid for two classes, softmax for more")
bar("loss").selectbox("Loss", ("auto", "bce", "ce", "mse"), key="w_loss",
               help="auto: bce for sigmoid, ce for softmax, mse otherwise")
bar("init").selectbox("Initialisation", INITS, key="w_init")
bar("seed").number_input("Weight seed", 0, 2**31 - 1, key="w_seed")
bar("engine").selectbox("Engine", tuple(ENGINES), key="w_engine",
               help="scalar builds a graph of single numbers (a node per neuron's "
                    "weighted sum and per activation): keep it small")

side.subheader("Optimisation (applies while training)")
bar("optimizer").selectbox("Optimizer", tuple(OPTIMIZERS), key="w_optimizer")
bar("lr").select_slider("Learning rate", _with(LEARNING_RATES, ss.w_lr), key="w_lr")
bar("l2").select_slider("L2", _with(L1_RATES, ss.w_l2), key="w_l2")   # the same rates as L1
bar("l1").select_slider("L1", _with(L1_RATES, ss.w_l1), key="w_l1")
bar("schedule").selectbox("Learning-rate schedule", SCHEDULES, key="w_schedule",
               help=FIELDS["schedule"].help)
bar("batch_size").select_slider("Batch size", _with(BATCH_SIZES, ss.w_batch_size), key="w_batch_size",
                   format_func=lambda b: "full" if b == 0 else str(b))
bar("epochs").checkbox("Stop at an epoch", key="w_stop", help="otherwise training goes on until Pause")
bar("epochs").number_input("Last epoch", 1, 1_000_000, step=100, key="w_epochs", disabled=not ss.w_stop)

values = {name: ss[f"w_{name}"] for name in FIELDS if f"w_{name}" in ss}
values["hidden"] = tuple(int(ss[f"w_n{i}"]) for i in range(ss.w_layers))
values["features"] = tuple(ss.w_features)
try:
    cfg = RunConfig(**values)
except ValueError as e:
    side.error(f"Not applied: {e}")
    cfg = ss.live.config if "live" in ss else RunConfig()

query = {**student_query(cfg, ss.hide), "speed": str(ss.w_speed),
         "stop": "1" if ss.w_stop else "0"}
if {k: v for k, v in st.query_params.items() if k in query} != query:
    st.query_params.from_dict(query)

if shown("student_link"):
    with side.expander("Link for students"):
        st.caption("This page's settings as a link; the controls picked here are hidden "
                   "for whoever opens it (classroom mode).")
        hide = st.multiselect("Hide from students", HIDEABLE, key="w_student_hide",
                              format_func=lambda n: f"{n} ({UI_CONTROLS[n]})"
                              if n in UI_CONTROLS else n)
        page_url = st.context.url or "/train"        # no browser (tests): a relative link
        st.code(student_link(page_url, cfg, hide), language=None, wrap_lines=True)


# ---------------------------------------------------------------- the session
def csv_data():
    """The uploaded CSV as a Dataset (kept until the file or the split changes)."""
    raw = ss.get("csv_bytes")
    if not raw:
        raise ValueError("dataset csv: upload a file with rows x1,x2,label first")
    key = (hash(raw), cfg.test_size, cfg.data_seed)
    if ss.get("csv_key") != key:
        ss.csv_data, ss.csv_key = load_csv(raw, test_size=cfg.test_size, seed=cfg.data_seed,
                                           name="uploaded"), key
    return ss.csv_data


try:
    data = csv_data() if csv_mode else None
    if "live" not in ss:
        ss.live = LiveSession(cfg, data)
    else:
        ss.live, changed = ss.live.apply(cfg, data)
        if changed:
            ss.notice = (f"{', '.join(changed)} changed: a new network, starting again from "
                         "epoch 0.")
    ss.live.stop_at = cfg.epochs if ss.w_stop else None
except ValueError as e:
    st.text(f"⚠️ {e}")          # plain text: a CSV's cells may be in the message
    st.stop()
sess: LiveSession = ss.live


# ---------------------------------------------------------------- controls
def play() -> None:
    if sess.finished and sess.stopped is None:
        ss.w_stop = False                     # past the last epoch: go on until Pause
        sess.stop_at = None
    ss.running = sess.stopped is None
    ss.acked = {**ss.acked, "seq": ss.seq}    # nothing in flight yet


def pause() -> None:
    ss.running = False


def step() -> None:
    ss.running = False
    sess.step()


def reset() -> None:
    ss.running = False
    ss.live = sess.reset()
    ss.notice = "Reset: new weights from the seed, epoch 0."


def on_drawn() -> None:
    take_ack(ss["gp-live"].drawn)


def on_features() -> None:
    """A click on an input node: the network's features from now on (a new run).
    Like ``on_view`` it only writes the setting: ``live_view`` sees ``page_inputs``
    change and reruns the page, which applies it."""
    for names in live_trainer.news(ss.heard, "features", ss["gp-live"].features)[-1:]:
        try:
            set_control("w_features", list(check_features(names)))
        except (TypeError, ValueError) as e:
            ss.edit_error = str(e)


def on_view() -> None:
    """Discretize / show test data flipped in the renderer: into the settings (and the URL)."""
    for view in live_trainer.news(ss.heard, "view", ss["gp-live"].view)[-1:]:
        if isinstance(view, dict):
            ss.w_discretize = bool(view.get("discretize", ss.w_discretize))
            ss.w_show_test = bool(view.get("show_test", ss.w_show_test))


def on_edit() -> None:
    """Weights set by clicks, in the order they were made (each one once)."""
    for edit in live_trainer.news(ss.heard, "edit", ss["gp-live"].edit):
        try:
            ss.live.set_weight(int(edit["layer"]), int(edit["i"]), int(edit["j"]),
                               float(edit["value"]))
        except (TypeError, KeyError, ValueError) as e:
            ss.edit_error = str(e)


st.html("<style>.block-container{padding-top:3.9rem;padding-bottom:0}"
        "[data-testid='stVerticalBlock']{gap:0.45rem}"
        ".st-key-gp-carriers{display:none}</style>")   # the hidden frame carriers (see send)
for note in ss.pop("url_notes", []):
    st.text(f"Link: {note}")                  # plain text: a link's values are not markup
c = st.columns([1.05, 0.8, 1.0, 1.65, 1.0, 1.2, 0.95], vertical_alignment="center")
if not shown("train"):
    pass
elif ss.running:
    c[0].button("⏸ Pause", key="pause", on_click=pause, type="primary", width="stretch")
else:
    c[0].button("▶ Play", key="play", on_click=play, type="primary", width="stretch",
                disabled=sess.stopped is not None)
if shown("step"):
    c[1].button("Step", key="step", on_click=step, width="stretch", help="one epoch")
if shown("reset"):
    c[2].button("↺ Reset", key="reset", on_click=reset, width="stretch",
                help="new weights from the seed")
c[3].selectbox("Speed: epochs per frame", SPEEDS, key="w_speed", label_visibility="collapsed",
               format_func=lambda s: "max speed" if s == FAST else f"{s} epoch / frame"
               if s == 1 else f"{s} epochs / frame", help="epochs trained between two frames")
downloads = c[4:7] if shown("downloads") else [_Hidden()] * 3
for box, (label, data, name, mime, key) in zip(downloads, (
        ("⬇ Model", sess.model_json, "gradplay-model.json", "application/json", "dl_model"),
        ("⬇ Boundary", sess.boundary_png, "decision_boundary.png", "image/png", "dl_boundary"),
        ("⬇ Loss", sess.loss_png, "training_loss.png", "image/png", "dl_loss"))):
    box.download_button(label, data, file_name=name, mime=mime, on_click="ignore",
                        width="stretch", key=key)
status = f"{sess.model.describe()} · {sess.data!r}"
if "notice" in ss:
    status = ss.pop("notice") + " " + status
if "edit_error" in ss:
    status = f"Weight not set: {ss.pop('edit_error')}. " + status
st.text(status)


# ---------------------------------------------------------------- changes the frame loop passes on
def page_inputs() -> tuple:
    """The controls outside the frame loop, as the page's body reads them.

    A change to one of them needs the whole page to run (the config, the URL,
    Play/Pause), not the frame loop alone. But Streamlit's browser side sends
    the widget changes of one moment as one rerun, scoped to the first fragment
    among them: a slider moved just as the renderer acknowledges a frame goes
    out as a rerun of ``live_view`` alone, its value stored and never applied.
    So ``live_view`` compares these with what this full run saw, and reruns the
    page when they differ. The same carries the renderer's own levers (input
    features, display options: their callbacks write ``w_*`` settings) to the page."""
    return (tuple(ss.get(f"w_{name}") for name in FIELDS),
            tuple(ss.get(f"w_n{i}") for i in range(ss.w_layers)),
            ss.w_layers, ss.w_speed, ss.w_stop, ss.running, ss.get("w_student_hide"))


ss.page_inputs = page_inputs()


# ---------------------------------------------------------------- the frame loop
def frame(more: bool) -> bytes:
    """One frame, with what this browser still lacks. A frame that asks for no
    answer (paused) carries everything: the page may be new."""
    acked = ss.acked if more else {}
    same_run = acked.get("run") == sess.run_id
    ss.seq += 1
    return sess.frame(seq=ss.seq, since_epoch=acked.get("epoch", -1) if same_run else -1,
                      static=acked.get("statics") != sess.run_id, more=more,
                      meta={**VIEW_META, "heard": dict(ss.heard)})


def send(slot, frames: list) -> None:
    """Deliver frames in one message (the browser shows them 1/30 s apart)."""
    with slot:
        live_trainer.send(frames)


def take_ack(ack) -> None:
    """Keep the browser's acknowledgement {seq, epoch, run, statics} if it is
    newer than the last one.

    An acknowledgement repeated (``retry``: the browser has waited a second
    for the next frame) says that the frames sent after it never arrived: a
    message can be replaced before the page shows it, when a new run's empty
    slot follows it at once. The frames in flight are then given up, so the
    loop does not wait for them for ever."""
    if not (isinstance(ack, dict) and isinstance(ack.get("seq"), int)):
        return
    if ack["seq"] > ss.acked.get("seq", 0):
        ss.acked = ack
    elif ack.get("retry") and (ack["seq"], ack["retry"]) != ss.get("retried"):
        ss.retried = (ack["seq"], ack["retry"])          # each repeat counts once
        ss.acked = {**ack, "seq": ss.seq}


def drawn() -> int:
    """The last frame the browser has drawn, with what it said during this run
    (Streamlit would apply that only at the next run)."""
    take_ack(live_trainer.latest_event("gp-live", "drawn"))
    return ss.acked.get("seq", 0)


# the display options and the hidden levers, for the renderer's own controls
VIEW_META = {"view": {"discretize": cfg.discretize, "show_test": cfg.show_test},
             "hide": list(ss.hide)}


def run_must_end() -> bool:
    """Whether the browser has asked for something only a new run does.

    That is a rerun of the whole page (Pause, a setting, the page closed), a
    click on the renderer (a weight, an input feature, a display option: their
    callbacks run when the fragment runs again), or a widget's value changed
    within the frame loop's own rerun (see ``page_inputs``). The browser's
    acknowledgements are read by the loop itself and do not count. Anything
    else lets the run go on: each new run costs the browser an update of the
    whole page, several times the cost of painting a frame."""
    if live_trainer.stop_waiting() or live_trainer.pending_events("gp-live") - {"drawn"}:
        return True
    widgets = live_trainer.widget_values()
    if widgets is None or widgets == ss.widgets_seen:
        return False
    ss.widgets_seen = widgets                 # (None seen: a request was already waiting)
    return True


@st.fragment
def live_view() -> None:
    page_run = ss.pop("page_run", False)
    hold_controls()
    if ss.get("page_inputs") != page_inputs():   # a change outside came as a frame-loop rerun
        st.rerun()                            # (see page_inputs): the whole page applies it
    live_trainer.mount(key="gp-live", on_drawn=on_drawn, on_edit=on_edit,
                       on_features=on_features, on_view=on_view)
    with st.container(key="gp-carriers"):    # hidden: a carrier shows nothing, so no layout
        slot = st.empty()
    if not ss.running:
        send(slot, [frame(more=False)])
        return
    # A run of the whole page (Play, a setting) streams briefly and ends, so the
    # page below is drawn and the elements it replaced (Play) are gone: Streamlit
    # shows them, faded, until the run ends. The loop's own reruns go on.
    limit = PAGE_RUN_SECONDS if page_run else RUN_SECONDS
    started = answered = time.perf_counter()      # answered: when the browser last acked anew
    held, sent, last_drawn = [], ss.seq, drawn()   # frames made, not sent yet; the last seq sent

    def flush() -> None:
        """Send the frames held, as one message."""
        nonlocal held, sent
        if held:
            send(slot, held)
            held, sent = [], ss.seq
    ss.widgets_seen = live_trainer.widget_values(pending=False)   # what this run started from
    while ss.running:
        now, seen = time.perf_counter(), drawn()
        if seen != last_drawn:
            answered, last_drawn = now, seen
        # One run streams while the browser answers (AppTest, or a page gone
        # quiet, ends it); clicks and settings end it at once.
        if now - answered > QUIET_SECONDS or now - started > limit or run_must_end():
            break
        speed = ss.w_speed
        behind = ss.seq - last_drawn >= WINDOW
        if behind and speed != FAST:          # wait for the browser (or a click)
            flush()
            time.sleep(FRAME_SECONDS / 4)
            continue
        t0 = time.perf_counter()
        # asked after every batch: a click (Pause) stops a frame's training at once
        sess.advance(speed, budget=MAX_BUDGET if speed == FAST else FRAME_SECONDS,
                     keep_going=lambda: not live_trainer.stop_waiting())
        if sess.finished:
            ss.running = False
            send(slot, held + [frame(more=False)])
            st.rerun()                        # the whole page: Play comes back
        if not behind:                        # at max speed training goes on meanwhile
            held.append(frame(more=True))
        # A message costs the browser an update of the page, several times the
        # cost of painting a frame: frames wait while the browser is still
        # drawing the last message, and go together (MIN_BUNDLE to BUNDLE) when
        # it has. At max speed a frame holds many epochs: it goes at once.
        if speed == FAST or len(held) >= BUNDLE or (drawn() >= sent and len(held) >= MIN_BUNDLE):
            flush()
        rest = FRAME_SECONDS - (time.perf_counter() - t0)
        if rest > 0 and speed != FAST:
            time.sleep(rest)
    flush()


ss.page_run = True                            # (live_view: this run is the whole page's)
live_view()

if shown("compare"):
    with st.expander("Check the gradients: the same step on every engine"):
        st.text("The scalar engine (one node per multiply), the tensor engine (one node per "
                "matrix operation), backpropagation written by hand and PyTorch's autograd "
                "compute the gradient of the current model's loss on the first 64 training "
                "points. The last column is the largest difference from the hand-written ones.")
        if st.button("Compare now", key="compare"):
            rows = compare_engines(sess.model, sess.data.X_train, sess.data.y_train,
                                   sess.trainer.loss_name)
            st.dataframe(rows, hide_index=True, width="stretch")

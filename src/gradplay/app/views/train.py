"""Page: train a network and watch it learn, frame by frame.

This page is layout. The run is a ``gradplay.live.Stream`` registered under a
token (``app.channel``): the renderer connects to it over its own WebSocket,
and frames, acknowledgements, Play/Pause/Step/Reset, the speed, weight edits,
feature clicks and the display options travel there, with no script rerun.
A sidebar setting reaches the stream through the page's ordinary rerun; a
setting a renderer lever changed comes back here once (``on_settings``) to
write the sidebar and the URL (``app.settings``), so a copied link
reproduces the run.
"""

import streamlit as st

from gradplay.app import settings, sidebar
from gradplay.app.channel import REGISTRY, WINDOW, Full
from gradplay.app.components import live_trainer
from gradplay.check import compare_engines
from gradplay.classroom import HIDEABLE, UI_CONTROLS, student_link
from gradplay.data import load_csv
from gradplay.live import LiveSession, Stream

ss = st.session_state
if "w_dataset" not in ss:
    settings.start(ss, st.query_params)


def shown(name: str) -> bool:
    """Whether a control is drawn (classroom mode hides some; their values stay)."""
    return name not in ss.hide


def keep_csv(raw: bytes) -> None:
    ss.csv_bytes = raw                        # load_csv refuses an over-limit file whole


sidebar.draw(st.sidebar, ss, keep_csv)
cfg, error = settings.config(ss)
if error:
    st.sidebar.error(f"Not applied: {error}")


def csv_data(cfg):
    """The uploaded CSV as a Dataset (kept until the file or the split changes)."""
    raw = ss.get("csv_bytes")
    if not raw:
        raise ValueError("dataset csv: upload a file with rows x1,x2,label first")
    key = (hash(raw), cfg.test_size, cfg.data_seed)
    if ss.get("csv_key") != key:
        ss.csv_data, ss.csv_key = load_csv(raw, test_size=cfg.test_size, seed=cfg.data_seed,
                                           name="uploaded"), key
    return ss.csv_data


def live_stream(cfg) -> Stream:
    """This page's stream: the one registered for it, or a new one (the page
    has just opened, or the server forgot it: a tab long closed, an expired token)."""
    ticket = ss.get("live_ticket")
    if ticket is not None and REGISTRY.alive(ticket.token):
        return ticket.stream
    session = ticket.stream.session if ticket is not None else LiveSession(cfg, data_for(cfg))
    stream = Stream(session, meta={"hide": list(ss.hide)}, window=WINDOW)
    stream.set_speed(ss.w_speed)
    ss.live_ticket = REGISTRY.register(stream)
    return stream


def data_for(cfg):
    return csv_data(cfg) if cfg.dataset == "csv" else None


try:
    stream = live_stream(cfg or ss.applied)
except (Full, ValueError) as e:
    st.text(f"⚠️ {e}")                        # plain text: a CSV's cells may be in the message
    st.stop()
try:
    if cfg is not None and settings.changed(ss, cfg):
        stream.apply(stream.config.replace(**settings.changed(ss, cfg)), data_for(cfg))
        ss.applied = cfg
except ValueError as e:
    st.text(f"⚠️ Not applied: {e}")
stop = cfg.epochs if cfg is not None and ss.w_stop else None
stream.read(lambda s: setattr(s, "stop_at", stop))

query = settings.url(stream.config, ss)
if {k: v for k, v in st.query_params.items() if k in query} != query:
    st.query_params.from_dict(query)


def on_settings() -> None:
    """A renderer lever changed settings: write the widgets, hence the URL."""
    settings.take_settings(ss, ss["gp-live"].settings)


def on_expired() -> None:
    """The server forgot this page's token: ``live_stream`` makes a new one."""
    ss.pop("live_ticket", None)


st.html("<style>.block-container{padding-top:3.9rem;padding-bottom:0}"
        "[data-testid='stVerticalBlock']{gap:0.45rem}</style>")
for note in ss.pop("url_notes", []):
    st.text(f"Link: {note}")                  # plain text: a link's values are not markup
status, *boxes = st.columns([3.6, 1.25, 1.45, 1.15], vertical_alignment="center")
status.text(stream.read(lambda s: f"{s.model.describe()} · {s.data!r}"))
if shown("downloads"):
    for box, (label, read, name, mime) in zip(boxes, (
            ("Model JSON", LiveSession.model_json, "gradplay-model.json", "application/json"),
            ("Boundary PNG", LiveSession.boundary_png, "decision_boundary.png", "image/png"),
            ("Loss PNG", LiveSession.loss_png, "training_loss.png", "image/png"))):
        box.download_button(label, lambda read=read: stream.read(read), file_name=name, mime=mime,
                            on_click="ignore", width="stretch", icon=":material/download:",
                            key=f"dl_{label.split()[0].lower()}")
live_trainer.mount(token=ss.live_ticket.token, on_settings=on_settings, on_expired=on_expired)

if shown("student_link"):
    with st.sidebar.expander("Link for students"):
        st.caption("This page's settings as a link; the controls picked here are hidden "
                   "for whoever opens it (classroom mode).")
        hide = st.multiselect("Hide from students", HIDEABLE, key="w_student_hide",
                              format_func=lambda n: f"{n} ({UI_CONTROLS[n]})"
                              if n in UI_CONTROLS else n)
        page_url = st.context.url or "/train"        # no browser (tests): a relative link
        st.code(student_link(page_url, stream.config, hide), language=None, wrap_lines=True)

if shown("compare"):
    with st.expander("Check the gradients: the same step on every engine"):
        st.text("The scalar engine (a node per neuron's weighted sum w·x + b, one n-ary dot, "
                "and per activation), the tensor engine (a node per matrix operation), "
                "backpropagation written by hand and PyTorch's autograd compute the gradient "
                "of the current model's loss on the first 64 training points. The last column "
                "is the largest difference from the hand-written ones.")
        if st.button("Compare now", key="compare"):
            rows = stream.read(lambda s: compare_engines(s.model, s.data.X_train,
                                                         s.data.y_train, s.trainer.loss_name))
            st.dataframe(rows, hide_index=True, width="stretch")

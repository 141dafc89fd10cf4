"""The landing page: what gradplay is and where to start."""

import streamlit as st

from gradplay.config import LESSONS

st.title("gradplay")
st.markdown("#### See how neural networks learn — one gradient at a time.")
st.markdown(
    "Everything here is computed by gradplay's own engines: a scalar autograd engine whose "
    "graphs you can draw (like micrograd), a vectorised tensor engine, and backpropagation "
    "written out by hand. All three agree on every gradient, and so does PyTorch.")
TOOLS = [
    (":material/account_tree: Expression explorer", "views/explorer.py", "Open the explorer",
     "Type a formula like `(a * b + c).tanh()`. See its value, the gradient of every variable "
     "(checked by finite differences), and the computational graph — then step through the "
     "backward pass node by node."),
    (":material/show_chart: Train a network", "views/train.py", "Open the trainer",
     "Pick a dataset (XOR, moons, spirals… or your own CSV), a network and an optimizer, and "
     "watch the decision boundary, the loss curves, the weights and every hidden neuron "
     "change as it trains."),
]
for column, (title, page, link, text) in zip(st.columns(len(TOOLS)), TOOLS):
    with column.container(border=True):
        st.markdown(f"### {title}")
        st.markdown(text)
        st.page_link(page, label=link, icon=":material/arrow_forward:")
st.markdown("### Lessons")
st.markdown("Each opens the trainer set up for one idea, as in TensorFlow Playground. Press "
            "**▶ Play**, watch, then change one setting and train again.")
for name, text in LESSONS.items():
    st.page_link("views/train.py", label=text, icon=":material/school:",
                 query_params={"preset": name})
st.caption("Every setting lives in the page's URL: copy it to share exactly what you see.")

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
st.markdown("### Backprop, one example at a time")
st.markdown(
    "Open the last lesson. Press **Step** a few times, then:\n\n"
    "1. **Pick a point the network gets wrong**: click an orange point in the blue region "
    "(or the other way round). It is ringed, and the panel under the network gives its "
    "x, its label, the prediction and its loss. The network now shows *this* example: "
    "each edge its w·a, each neuron its a.\n"
    "2. **Walk its pass**: *Next step* goes forward layer by layer, computes the loss, then "
    "backward neuron by neuron, writing the chain rule with this example's numbers, "
    "`∂L/∂z = ∂L/∂a · σ′(z)` and `∂L/∂w = ∂L/∂z · a`. The last step applies one gradient "
    "step on this example alone: watch its loss fall.\n"
    "3. **Open a neuron**: click one to see its own little graph, w·a + b and the "
    "activation, every node with its data and gradient, and open it in the explorer.\n"
    "4. **See who pulls a weight**: click an edge, then *Which points pull it?*. Each point "
    "is coloured by its own ∂L/∂w: magenta pushes the weight down, green up. Their mean "
    "is the batch gradient the optimizer follows.\n"
    "5. **Train on** with *Play*: the picked example's numbers move every frame.")
st.caption("Every setting lives in the page's URL: copy it to share exactly what you see.")

"""gradplay's web playground: the entry script that ``gradplay app`` runs."""

import streamlit as st

st.set_page_config(page_title="gradplay — see how networks learn", page_icon="🧠",
                   layout="wide")

pages = [
    # Material icons ship with Streamlit (emoji need a font the browser may lack)
    st.Page("views/welcome.py", title="Welcome", icon=":material/home:", default=True),  # at /
    st.Page("views/explorer.py", title="Expression explorer", icon=":material/account_tree:",
            url_path="explorer"),
    st.Page("views/train.py", title="Train a network", icon=":material/show_chart:",
            url_path="train"),
]
st.navigation(pages).run()

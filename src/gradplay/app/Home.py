"""gradplay's web playground: the entry script that ``gradplay app`` runs."""

import streamlit as st

st.set_page_config(page_title="gradplay — see how networks learn", page_icon="🧠",
                   layout="wide")

pages = [
    st.Page("views/welcome.py", title="Welcome", icon="🏠", url_path="welcome", default=True),
    st.Page("views/explorer.py", title="Expression explorer", icon="🔍", url_path="explorer"),
    st.Page("views/train.py", title="Train a network", icon="📈", url_path="train"),
]
st.navigation(pages).run()

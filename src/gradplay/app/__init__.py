"""The Streamlit playground (UI only: every number comes from the library).

Run it with ``gradplay app``, or ``streamlit run`` on ``Home.py``.
"""

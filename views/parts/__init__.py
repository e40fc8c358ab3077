"""The app's Streamlit renderers, shared by the pages in views/: each draws what the
Streamlit-free state and logic in configlib.ui (and the rest of configlib) computes."""

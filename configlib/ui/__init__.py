"""Helpers behind the Streamlit app: form <-> model conversion, the expert-mode rows, the
editor's state and session keys. Everything here except ``configlib.ui.resources`` and
``configlib.ui.widgets`` runs without Streamlit, so it is tested directly.
"""

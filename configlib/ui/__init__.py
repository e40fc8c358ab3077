"""The app's Streamlit-free state and logic: the editor's state (editor), the form model and its
fields (form, fields), the expert-mode rows (expert), session keys (keys), and the rows and
choices the pages show. None of it imports Streamlit (tests/test_ui_headless.py checks it), so
it is tested directly; the renderers that draw it live in ``views/parts/``.
"""

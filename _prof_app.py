import cProfile, pstats, io, streamlit as st
_pr = cProfile.Profile(); _pr.enable()
try:
    exec(compile(open("/work/wt-app/app.py").read(), "/work/wt-app/app.py", "exec"))
finally:
    _pr.disable()
    st.session_state.setdefault("_profs", []).append(_pr)

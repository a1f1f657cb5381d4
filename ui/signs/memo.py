"""A per-session memo of the SIGNS page's expensive results (evaluation, checkpoint bytes)."""

from __future__ import annotations

import streamlit as st


def cached(key, compute):
    """Per-session memo for expensive results (evaluation, checkpoint bytes): the last few keys."""
    memo = st.session_state.setdefault("signs_memo", {})
    if key not in memo:
        if len(memo) >= 4:
            memo.pop(next(iter(memo)))
        memo[key] = compute()
    return memo[key]

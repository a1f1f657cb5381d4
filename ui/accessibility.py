"""What every page needs to be used without a mouse, without colour vision and with a screen
reader: a visible focus ring (CSS sent once per page run) and the numbers behind a chart as a
table a screen reader can read (WCAG 2.1 AA: 1.1.1 text alternatives, 2.4.7 focus visible)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

# A dark ring with a white halo: at least 3:1 against white, the grey sidebar and the orange
# buttons alike (WCAG 1.4.11). Streamlit's own ring on links and page cards is 1.1:1.
FOCUS_CSS = """
<style>
:focus-visible, [data-testid="stSidebarNav"] a:focus-visible,
[data-testid="stPageLink"] a:focus-visible, [data-baseweb] :focus-visible {
  outline: 3px solid #1F2430 !important;
  outline-offset: 2px !important;
  box-shadow: 0 0 0 5px #FFFFFF !important;
}
[role="slider"]:focus-visible { outline-offset: 4px !important; }
/* Streamlit's code highlighting has fixed colours of 2.3-3.8:1 on the code background; these
   darker ones of the same hues reach 4.5:1 on it (Prism's token class names). */
[data-testid="stCode"] .token.comment, [data-testid="stCode"] .token.prolog,
[data-testid="stCode"] .token.punctuation, [data-testid="stCode"] .token.unchanged.line,
[data-testid="stCode"] .comment.linenumber { color: #5F636B; }
[data-testid="stCode"] .token.attr-name, [data-testid="stCode"] .token.property,
[data-testid="stCode"] .token.variable { color: #0B5CAD; }
[data-testid="stCode"] .token.boolean, [data-testid="stCode"] .token.constant,
[data-testid="stCode"] .token.symbol, [data-testid="stCode"] .token.inserted { color: #0F7B3A; }
[data-testid="stCode"] .token.number, [data-testid="stCode"] .token.regex { color: #0E7C6B; }
[data-testid="stCode"] .token.string, [data-testid="stCode"] .token.char,
[data-testid="stCode"] .token.attr-value { color: #1E7A1E; }
[data-testid="stCode"] .token.operator, [data-testid="stCode"] .token.entity,
[data-testid="stCode"] .token.decorator, [data-testid="stCode"] .token.atrule { color: #B3410B; }
[data-testid="stCode"] .token.url { color: #7A3DB8; }
[data-testid="stCode"] .token.keyword, [data-testid="stCode"] .token.tag,
[data-testid="stCode"] .token.function, [data-testid="stCode"] .token.class-name,
[data-testid="stCode"] .token.selector { color: #1558B0; }
[data-testid="stCode"] .token.important, [data-testid="stCode"] .token.deleted { color: #B3261E; }
</style>
"""


def page_css() -> None:
    """Send the focus ring's CSS; once per run of the page (app.py calls it). A style-only
    st.html goes to Streamlit's event container and takes no room on the page."""
    st.html(FOCUS_CSS)  # our own constant CSS, never user text


def chart_table(label: str, frame: pd.DataFrame) -> None:
    """The numbers a chart shows, as a table in a closed expander below it: a chart's text
    alternative for a screen reader, and exact values for anyone."""
    with st.expander(f"{label} as a table"):
        st.dataframe(frame, hide_index=True, width="stretch")


def milestones(count: int, shown: int = 11) -> list[int]:
    """Up to `shown` evenly spaced indices of a history of `count` values, the last included."""
    if count <= 0:
        return []
    if count <= shown:
        return list(range(count))
    return sorted({round(i * (count - 1) / (shown - 1)) for i in range(shown)})

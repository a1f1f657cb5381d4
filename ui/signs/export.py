"""The SIGNS page's export: three plain-PyTorch scripts from the same settings, one tab each."""

from __future__ import annotations

import streamlit as st

from core.signs import ClassifierConfig, exported_scripts

WHY_DDP = """\
**Why DistributedDataParallel replaced DataParallel.** `nn.DataParallel` is one Python process
driving every GPU: for each batch it copies the model onto each GPU, splits the batch, and gathers
the outputs and gradients back on the first GPU, while its threads take turns at Python's GIL.
`DistributedDataParallel` runs **one process per device**, started by `torchrun`: each process
keeps its own copy of the model and its own share of the data (`DistributedSampler`), so there is
no GIL contention and nothing is copied per batch; during `backward()` the gradients are
**all-reduced** (averaged over the processes, overlapped with the rest of backward), so every copy
takes the same step. The same script **runs across several machines** (`--nnodes`,
`--rdzv-endpoint`), which DataParallel never could; PyTorch's documentation recommends DDP even on
a single machine."""


def export_scripts(config: ClassifierConfig, classes: list[str], trainer=None) -> None:
    """The explanation, then one tab per script: how to run it, a download button, its code.
    The scripts follow the trained model's settings and classes when there is one."""
    if trainer is not None:
        config, classes = trainer.config, trainer.classes
    st.subheader("Export a plain PyTorch script")
    st.markdown(WHY_DDP)
    st.caption(
        "All three train the same model with the same settings and save weights that "
        "**Load weights** above reads; the DataParallel and DDP scripts save this page's "
        "checkpoint format (weights, settings and class names)."
    )
    scripts = exported_scripts(config, classes if len(classes) == config.num_classes else None)
    for tab, script in zip(st.tabs([s.title for s in scripts]), scripts, strict=True):
        with tab:
            st.code(script.command, language="bash", wrap_lines=True)
            st.download_button(
                f"Download {script.filename}",
                script.source,
                script.filename,
                "text/x-python",
                key=f"signs_export_{script.kind}",
                on_click="ignore",
            )
            st.code(script.source, language="python", line_numbers=True, wrap_lines=True)

"""Home: what the playground is, and one card per page."""

import streamlit as st

st.title("🔥 Torch Playground")
st.markdown(
    "Learn PyTorch by moving sliders instead of writing code. "
    "Every number, graph and chart here is computed live by real PyTorch on this server. "
    "Each page also shows the few lines of PyTorch behind what you see, ready to paste into a notebook."
)

with st.container(border=True, key="home_lessons"):
    st.subheader("📚 Lessons: the course, one idea at a time")
    st.write(
        "Tensors, the NumPy bridge, autograd, nn.Module, losses, optimizers, the training loop, "
        "data, devices, saving and pretrained models: every idea of the course notes is a lesson "
        "that opens the right page already set up, with a link on to the next one."
    )
    st.page_link("app_pages/lessons.py", label="Open the lessons", icon="➡️")

st.subheader("The four playgrounds")
CARDS = [
    (
        "app_pages/tensors.py",
        "🧊 Tensor inspector",
        "Build tensors, reshape, slice and broadcast them step by step; see shapes, strides, "
        "views versus copies, and how tensors share memory with NumPy.",
    ),
    (
        "app_pages/autograd.py",
        "🕸️ Autograd graph",
        "Type a few lines of PyTorch and watch the backward graph: values, gradients, and "
        "backward() one node at a time.",
    ),
    (
        "app_pages/sin_fit.py",
        "📈 sin(x) fit",
        "Fit a polynomial to sin(x) with raw tensors, nn.Module and torch.optim; watch the "
        "loss fall live and compare runs against the exact optimum.",
    ),
    (
        "app_pages/signs.py",
        "✋ SIGNS classifier",
        "Train an image classifier on hand signs 0–5, pick the device, and look into the "
        "confusion matrix and the mistakes.",
    ),
]

columns = st.columns(2)
for index, (path, title, blurb) in enumerate(CARDS):
    with columns[index % 2].container(border=True):
        st.subheader(title)
        st.write(blurb)
        st.page_link(path, label=f"Open {title.split(' ', 1)[1]}", icon="➡️")

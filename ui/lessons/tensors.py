"""The lessons the tensors page teaches (see ui/lessons/__init__.py for what a lesson is).

Each link names the tab (`tns_tab`) and, for the first tab, a preset (`tns_preset`);
app_pages/tensors.py applies both once per lesson, even on a page the student has open."""

from ui.lessons import Lesson

PAGE = "app_pages/tensors.py"

LESSONS: list[Lesson] = [
    Lesson(
        key="tensor-dtypes-item",
        idea=14,
        group="Tensors",
        title="dtypes, and one number with .item()",
        idea_text=(
            "Every tensor has one dtype: integers stay integers until an operation such as "
            "true division promotes them to floats. A one-element tensor becomes a plain "
            "Python number with .item()."
        ),
        try_this=(
            "Read x.item() under the pipeline; then load the preset 'dtypes: dividing "
            "integers gives floats' and compare the dtype row of stage 0 and stage 1."
        ),
        page=PAGE,
        params={"tns_tab": "build", "tns_preset": "sum to one number, then .item()"},
        proof="x.item() gives the plain Python number 15.0",
    ),
    Lesson(
        key="tensor-slicing",
        idea=14,
        group="Tensors",
        title="Slicing makes a view",
        idea_text=(
            "Indexing with slices such as x[:, 1:3] does not copy: the result reads the same "
            "memory with another offset and strides. Change the slice and the storage offset "
            "and strides change with it."
        ),
        try_this=(
            "Look at 'storage offset', 'stride' and 'memory' for the slice; edit the step to "
            "[1:, ::2] and compare. Then add an arithmetic step: that one makes a copy."
        ),
        page=PAGE,
        params={"tns_tab": "build", "tns_preset": "slicing makes a view"},
        proof="x = x[:, 1:3]",
    ),
    Lesson(
        key="tensor-views",
        idea=14,
        group="Tensors",
        title="view needs contiguous memory",
        idea_text=(
            "A view reuses a tensor's memory with a new shape, so it only works when the "
            "elements lie in memory in the order the new shape reads them. After a transpose "
            "they do not, and view refuses; contiguous() copies them into order, and reshape "
            "copies only when it must."
        ),
        try_this=(
            "Read the error under step 3, then click one of the two fixes; compare the stride "
            "and the 'memory' row (view or copy) before and after."
        ),
        page=PAGE,
        params={"tns_tab": "build", "tns_preset": "view needs contiguous memory"},
        proof="view size is not compatible with input tensor's size and stride",
    ),
    Lesson(
        key="tensor-inplace",
        idea=14,
        group="Tensors",
        title="In-place ops keep the storage",
        idea_text=(
            "Methods ending in an underscore (add_, mul_, zero_) change a tensor where it "
            "lies, without new memory. Every view of that memory sees the new values."
        ),
        try_this=(
            "Inspect stage 0 and stage 1: both show the multiplied values, because mul_ wrote "
            "into the one storage they share. Untick 'in place' and add the step again."
        ),
        page=PAGE,
        params={"tns_tab": "build", "tns_preset": "in-place ops keep the storage"},
        proof="no new memory was allocated",
    ),
    Lesson(
        key="numpy-bridge-gpu",
        idea=1,
        group="NumPy bridge",
        title="Tensor ↔ NumPy, and .cpu() before .numpy()",
        idea_text=(
            "A CPU tensor and the NumPy array made from it share memory: writing one changes "
            "the other. NumPy only reads CPU memory, so a GPU tensor must be copied over with "
            ".cpu() before .numpy()."
        ),
        try_this=(
            "Change the value written through the NumPy array and watch the tensor change; "
            "read the GPU error and the result of z.cpu().numpy() run just now."
        ),
        page=PAGE,
        params={"tns_tab": "numpy"},
        proof="can't convert cuda:0 device type tensor to numpy",
    ),
    Lesson(
        key="numpy-vs-autograd-regression",
        idea=15,
        group="Autograd",
        title="Linear regression by hand in NumPy and with autograd",
        idea_text=(
            "Gradient descent needs the loss's gradient: in NumPy you derive it on paper and "
            "code it, in PyTorch loss.backward() computes it. Run side by side on the same "
            "data, the two agree step by step."
        ),
        try_this=(
            "Click 'Step both' and compare dw with w.grad; then tick the notes' formula and see "
            "why np.dot(...).mean() gives a gradient 4 times too large."
        ),
        page=PAGE,
        params={  # the notes' data, start and rate, whatever the student changed before
            "tns_tab": "regression",
            "tns_reg_x": "1, 2, 3, 4",
            "tns_reg_y": "2, 4, 6, 8",
            "tns_reg_w0": "0.0",
            "tns_reg_lr": "0.01",
            "tns_reg_bias": "false",
            "tns_reg_notes": "false",
        },
        proof="NumPy, gradients by hand",
    ),
]
LESSONS.append(
    Lesson(
        key="table-as-tensor",
        idea=16,
        group="Tensors",
        title="A table (DataFrame or CSV) as a tensor",
        idea_text=(
            "A model reads numbers, so a table's text columns become numbers first: one 0/1 "
            "column per category, or one code per category. Then df.to_numpy() gives an array, "
            "torch.from_numpy shares its memory, and .float() makes the float32 layers expect."
        ),
        try_this=(
            "Follow the dtype and shape down the steps; switch to integer codes and see the "
            "shape shrink; pick price_k as the target to split X and y; upload your own CSV."
        ),
        page=PAGE,
        params={"tns_tab": "table"},
        proof="t = torch.from_numpy(a)",
    )
)
LESSONS.append(
    Lesson(
        key="image-as-tensor",
        idea=16,
        group="Tensors",
        title="A picture as a 3×H×W tensor",
        idea_text=(
            "A colour picture is three grids of numbers, one per channel: ToTensor turns its "
            "H×W×3 bytes (0 to 255) into a float tensor of shape 3×H×W with values in [0, 1]. "
            "Channels come first because that is the layout PyTorch's layers read."
        ),
        try_this=(
            "Compare the three channel heatmaps with the picture: the sun's values are high in "
            "red and green and low in blue. Upload a photo of your own and read its shape."
        ),
        page=PAGE,
        params={"tns_tab": "image"},
        proof="x[0] — red",
    )
)

"""The lessons the signs data page teaches (see ui/lessons/__init__.py for what a lesson is)."""

from ui.lessons import Lesson

DATA = "Data (Dataset, DataLoader, transforms)"
SIGNS = "app_pages/signs.py"
BUILT_IN = {  # the built-in hands, a small set so that the page opens quickly
    "signs_tab": "1 · Data",
    "signs_source": "Built-in hands",
    "signs_n_train": "240",
    "signs_n_test": "60",
}

LESSONS: list[Lesson] = [
    Lesson(
        key="signs-dataloader",
        idea=11,
        group=DATA,
        title="Dataset and DataLoader: a batch of hand signs",
        idea_text=(
            "A `Dataset` says how many examples there are and how to read the i-th one; a "
            "`DataLoader` shuffles them each epoch and stacks a batch into one tensor. The SIGNS "
            "trainer reads its pictures exactly this way, so the model always receives a float "
            "tensor shaped (batch, 3, 64, 64) and a tensor of labels."
        ),
        try_this=(
            'Read the shape line under "What the DataLoader hands the model", press *Another '
            "batch* to see a new shuffle, change the batch size in tab 2 and watch the first "
            "number change. Download the hands as a SIGNS zip and run the exported script on it."
        ),
        page=SIGNS,
        params={**BUILT_IN, "signs_batch": "32"},
        proof="images.shape == torch.Size([32, 3, 64, 64])",
    ),
    Lesson(
        key="signs-transforms",
        idea=11,
        group=DATA,
        title="Transforms: augmenting each picture as it is read",
        idea_text=(
            "`torchvision.transforms.v2` builds a pipeline (`v2.Compose`) that the Dataset applies "
            "to every picture it hands out: a random flip, a small turn, a change of light. The "
            "network sees a slightly different picture every epoch, which helps it learn the hand "
            "rather than the exact pixels."
        ),
        try_this=(
            "Compare each row of pictures as stored with the same pictures after the transforms; "
            "press *Another batch* for new random draws, and set the rotation to 0 in tab 2 to "
            "see which change it made. *Time both pipelines* shows what per-picture transforms "
            "cost."
        ),
        page=SIGNS,
        params={
            **BUILT_IN,
            "signs_batch": "16",
            "signs_flip": "true",
            "signs_rotation": "20",
            "signs_jitter": "0.3",
        },
        proof="v2.RandomRotation(20)",
    ),
]

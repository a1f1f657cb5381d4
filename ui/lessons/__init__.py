"""The course as lessons: one card per idea of the course notes, each opening the page that
shows it with the lesson already set up (preset, tab and expander chosen through the URL).

Each page's lessons live beside the others in this package (`tensors.py`, `autograd.py`,
`sin_fit.py`, `signs_data.py`, `signs_models.py`); `LESSONS` puts them in the notes' order."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

GROUPS = (
    "Tensors",
    "NumPy bridge",
    "Autograd",
    "nn.Module",
    "Losses",
    "Optimizers",
    "The training loop",
    "Data (Dataset, DataLoader, transforms)",
    "Devices and several GPUs",
    "Saving, loading and pretrained models",
)
PAGE_URLS = {  # page script -> its url_path in app.py's navigation
    "app_pages/tensors.py": "tensors",
    "app_pages/autograd.py": "autograd",
    "app_pages/sin_fit.py": "sin-fit",
    "app_pages/signs.py": "signs",
}


@dataclass(frozen=True)
class Lesson:
    """One idea of the notes. `params` are the query parameters that set the page up (the
    `lesson` parameter is added to them); `proof` is a text the page shows once the lesson is on
    screen (the e2e test waits for it)."""

    key: str  # the URL's lesson=<key>; lower case, digits and dashes
    idea: int  # its number in the issue's list of the notes' 18 ideas
    group: str  # one of GROUPS
    title: str
    idea_text: str  # the idea in two sentences of our own
    try_this: str  # what to try once the page is open
    page: str  # one of PAGE_URLS
    params: dict[str, str] = field(default_factory=dict)
    proof: str = ""

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"lesson {self.key}: unknown group {self.group!r}")
        if self.page not in PAGE_URLS:
            raise ValueError(f"lesson {self.key}: unknown page {self.page!r}")
        if not self.proof:
            raise ValueError(f"lesson {self.key}: no proof text for the e2e test")

    @property
    def query(self) -> dict[str, str]:
        """The query parameters of this lesson's link."""
        return {**self.params, "lesson": self.key}

    @property
    def url(self) -> str:
        """The link relative to the app's root, e.g. `autograd?ag_source=...&lesson=...`."""
        return f"{PAGE_URLS[self.page]}?{urlencode(self.query)}"


def _collect() -> tuple[Lesson, ...]:
    from ui.lessons import autograd, signs_data, signs_models, sin_fit, tensors

    found = [
        *tensors.LESSONS,
        *autograd.LESSONS,
        *sin_fit.LESSONS,
        *signs_data.LESSONS,
        *signs_models.LESSONS,
    ]
    keys = [lesson.key for lesson in found]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"two lessons share a key: {sorted(duplicates)}")
    return tuple(sorted(found, key=lambda lesson: (GROUPS.index(lesson.group), lesson.idea)))


LESSONS: tuple[Lesson, ...] = _collect()
BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def next_lesson(key: str) -> Lesson | None:
    """The lesson after `key` in the course's order; None after the last one."""
    keys = [lesson.key for lesson in LESSONS]
    if key not in BY_KEY or keys.index(key) == len(keys) - 1:
        return None
    return LESSONS[keys.index(key) + 1]

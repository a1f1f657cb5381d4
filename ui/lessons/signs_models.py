"""The lessons the signs models page teaches (see ui/lessons/__init__.py for what a lesson is)."""

from ui.lessons import Lesson  # noqa: F401  (used by the entries below)

LESSONS: list[Lesson] = []

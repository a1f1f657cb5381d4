"""core/parsing.py: the same trees as `ast`, one thread at a time, class sources read once."""

import ast
import inspect
import threading

from core import parsing
from core.signs.models import MODEL_CLASSES

PROGRAM = "a = ones(3, requires_grad=True)\nb = (a + 2) * (a - 1) ** 2\nc = b.sum()\nc.backward()\n"


def test_parse_gives_the_tree_ast_gives():
    assert ast.dump(parsing.parse(PROGRAM)) == ast.dump(ast.parse(PROGRAM))
    assert ast.dump(parsing.parse("(2, -1)", mode="eval")) == ast.dump(
        ast.parse("(2, -1)", mode="eval")
    )


def test_source_of_a_model_class_is_inspects_and_is_read_once():
    model = next(iter(MODEL_CLASSES.values()))
    parsing.source_of.cache_clear()
    assert parsing.source_of(model) == inspect.getsource(model)
    parsing.source_of(model)
    assert parsing.source_of.cache_info().hits >= 1


def test_many_threads_parsing_at_once_all_get_their_own_tree():
    nested = "x = " + "(" * 40 + "1" + ")" * 40 + "\n" + PROGRAM
    expected = ast.dump(ast.parse(nested))
    failures = []

    def work():
        try:
            for _ in range(200):
                if ast.dump(parsing.parse(nested)) != expected:
                    failures.append("a different tree")
        except Exception as error:  # noqa: BLE001 - any error in a thread is a failure here
            failures.append(repr(error))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

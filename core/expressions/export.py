"""A program as plain PyTorch for a notebook: imports, seed, and torch./F. before bare names."""

from __future__ import annotations

import ast

from core.expressions.checker import parse_program
from core.expressions.language import FUNCTIONAL, function_name, is_no_grad
from core.expressions.program import Program


def to_pytorch_code(program_or_source: Program | str, seed: int = 0) -> str:
    """The program as plain PyTorch that runs in a notebook (imports, seed, bare names prefixed)."""
    source = (
        program_or_source.source if isinstance(program_or_source, Program) else program_or_source
    )
    tree = parse_program(source)

    class _Prefix(ast.NodeTransformer):
        def visit_Expr(self, node: ast.Expr) -> ast.AST:
            # `y.grad_fn` on a line of its own: the page shows its value, a script would not
            self.generic_visit(node)
            if not isinstance(node.value, ast.Call):
                shown = ast.Call(func=ast.Name(id="print", ctx=ast.Load()), args=[node.value])
                node.value = ast.copy_location(shown, node.value)
                node.value.keywords = []
            return node

        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            name = function_name(node.func)
            if name is not None or is_no_grad(node):
                name = name or "no_grad"
                module = "F" if name in FUNCTIONAL else "torch"
                node.func = ast.Attribute(
                    value=ast.Name(id=module, ctx=ast.Load()), attr=name, ctx=ast.Load()
                )
            return node

    body = ast.unparse(ast.fix_missing_locations(_Prefix().visit(tree)))
    needs_seed = any(word in source for word in ("rand(", "randn("))
    lines = ["import torch", "import torch.nn.functional as F", ""]
    if needs_seed:
        lines += [f"torch.manual_seed({seed})", ""]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.targets[0].id not in names:
            names.append(node.targets[0].id)
    lines.append(body)
    if names:
        lines += ["", "# Look at the results (in a notebook, just type the name):"]
        lines += [f"print('{name} =', {name})" for name in names]
    return "\n".join(lines) + "\n"

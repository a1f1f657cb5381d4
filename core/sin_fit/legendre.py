"""The Legendre variant's custom autograd.Function; the exported script copies its source."""

from __future__ import annotations

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(z) = 0.5 (5 z^3 - 3 z), with its derivative written by hand."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return 0.5 * (5 * z**3 - 3 * z)

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * z**2 - 1)

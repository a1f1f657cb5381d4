"""Batch norm over the whole batch while its pieces run apart (core.parallel.run_together).

A training batch cut into pieces (core.parallel.piece_sizes) would otherwise normalise each piece
over itself ("ghost batches", as nn.DataParallel does per GPU): another computation than the
plain loop's, which the page would have to explain away. So at every batch norm layer the pieces meet
(Meeting.share): each gives its part's count, mean and sum of squared deviations per channel,
and each combines them in the pieces' order (Chan et al.'s pairwise formula), so that all of them
normalise with the whole batch's mean and variance and update the running statistics as one
batch would; in backward they meet again to add up the two sums the input's gradient needs.
This is what torch's SyncBatchNorm does across GPUs; it has no CPU implementation.

The arithmetic is torch's own single-threaded kernels (batch norm's statistics, batch norm with
given statistics and its backward), so a layer costs about what a plain batch norm does; the
sums are added in a fixed order, so the run is the same bits on any number of cores. What the
meetings cost is the pieces waiting for each other (measured: about 10 % of a batch's time on
two cores).

Pure torch (no streamlit).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from core.parallel import Meeting, meeting


def _combine(parts: list[tuple[int, torch.Tensor, torch.Tensor]]):
    """(count, mean, M2) of the pieces, in their order -> the whole's (count, mean, M2)."""
    count, mean, m2 = parts[0]
    for n, piece_mean, piece_m2 in parts[1:]:
        total = count + n
        delta = piece_mean - mean
        mean = mean + delta * (n / total)
        m2 = m2 + piece_m2 + delta * delta * (count * n / total)
        count = total
    return count, mean, m2


class _WholeBatchNorm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, module: _BatchNorm, key: int, place: Meeting):
        count = x.numel() // x.shape[1]
        # the piece's mean and biased variance per channel (3x faster here than torch.var_mean)
        mean, var = torch.batch_norm_update_stats(x, None, None, 0.0)
        total, mean, m2 = _combine(place.share((key, "forward"), (count, mean, var * count)))
        var = m2 / total
        y = torch.batch_norm(x, weight, bias, mean, var, False, 0.0, module.eps, False)
        if module.track_running_stats and module.running_mean is not None:
            module.num_batches_tracked.add_(1)
            factor = (
                1.0 / float(module.num_batches_tracked)
                if module.momentum is None
                else module.momentum
            )
            module.running_mean.mul_(1 - factor).add_(mean, alpha=factor)
            unbiased = m2 / max(total - 1, 1)
            module.running_var.mul_(1 - factor).add_(unbiased, alpha=factor)
        ctx.save_for_backward(x, weight, mean, var)
        ctx.place, ctx.key, ctx.total, ctx.eps = place, key, total, module.eps
        return y

    @staticmethod
    def backward(ctx, dy):
        x, weight, mean, var = ctx.saved_tensors
        # batch norm's backward with the statistics held fixed: dx = dy * weight * invstd, and
        # the piece's sum(dy * x_hat), sum(dy) (the weight's and bias's gradients)
        dx, dweight, dbias = torch.ops.aten.native_batch_norm_backward(
            dy, x, weight, mean, var, None, None, False, ctx.eps, [True, True, True]
        )
        parts = ctx.place.share((ctx.key, "backward"), (dbias, dweight))
        sum_dy, sum_dy_xhat = parts[0]
        for piece_dy, piece_dy_xhat in parts[1:]:
            sum_dy = sum_dy + piece_dy
            sum_dy_xhat = sum_dy_xhat + piece_dy_xhat
        # ...and the statistics' share: dx -= weight * invstd * (mean(dy) + x_hat * mean(dy x_hat))
        invstd = torch.rsqrt(var + ctx.eps)
        scale = invstd if weight is None else weight * invstd
        k1 = scale * sum_dy / ctx.total
        k2 = scale * invstd * sum_dy_xhat / ctx.total
        shape = [1, -1] + [1] * (x.dim() - 2)
        dx.sub_((k1 - k2 * mean).view(shape)).addcmul_(x, k2.view(shape), value=-1)
        grad_weight = dweight if ctx.needs_input_grad[1] else None
        grad_bias = dbias if ctx.needs_input_grad[2] else None
        return dx, grad_weight, grad_bias, None, None, None


def _forward(module: _BatchNorm, key: int, x: torch.Tensor) -> torch.Tensor:
    place = meeting()
    if place is None or not module.training:  # a piece alone, or eval mode: batch norm as it is
        return type(module).forward(module, x)
    module._check_input_dim(x)
    return _WholeBatchNorm.apply(x, module.weight, module.bias, module, key, place)


@contextmanager
def whole_batch_norm(models: Sequence[nn.Module]) -> Iterator[None]:
    """Within the block, the batch norm layers of `models` (the model and its copies, one per
    piece) normalise over the whole batch when run by run_together's pieces. Layers are matched
    by their place in the model, so every copy must be the same architecture."""
    layers = []
    for model in models:
        norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
        for key, module in enumerate(norms):
            module.forward = partial(_forward, module, key)
            layers.append(module)
    try:
        yield
    finally:
        for module in layers:
            del module.forward

"""Ready-made programs for the autograd page, taken from the seed notes and a little beyond.

Each preset is one click on the page; each shows one idea about autograd, including the errors
students meet first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """A named example program and the one idea it shows."""

    key: str  # short id, used in widget keys and tests
    title: str  # button label
    idea: str  # one sentence shown above the graph
    source: str  # the program
    fails: bool = False  # True when the point of the preset is the error it raises


PRESETS = [
    Preset(
        "add",
        "y = x + 2",
        "The seed's first graph: x needs grad, so y = x + 2 gets a grad_fn (AddBackward0) whose "
        "next_functions lead back to x's AccumulateGrad. x is a leaf: no operation made it, so its "
        "grad_fn is None, and x.grad stays None until backward() runs.",
        "x = torch.ones(5, requires_grad=True)\n"
        "y = x + 2\n"
        "print(y)\n"
        "y.grad_fn\n"
        "y.grad_fn.next_functions\n"
        "x.grad_fn\n"
        "x.is_leaf\n"
        "x.grad\n"
        "z = y.sum()\n"
        "z.backward()\n"
        "x.grad\n",
    ),
    Preset(
        "mean",
        "b·b·4, mean",
        "The seed's worked example: d = mean(4 (a + 2)²), so d.backward() leaves "
        "a.grad = 8 (a + 2) / 3.",
        "a = torch.rand(3, requires_grad=True)\n"
        "b = a + 2\n"
        "c = b * b * 4\n"
        "d = c.mean()\n"
        "d.backward()\n",
    ),
    Preset(
        "linreg",
        "Linear regression step",
        "One step of fitting y = w·x: forward, loss, backward, then an SGD update of w inside "
        "no_grad() and zeroing the gradient, as in the seed's training loop.",
        "x = torch.tensor([1.0, 2.0, 3.0, 4.0])\n"
        "y = torch.tensor([2.0, 4.0, 6.0, 8.0])\n"
        "w = torch.tensor(0.0, requires_grad=True)\n"
        "y_hat = w * x\n"
        "loss = ((y_hat - y) ** 2).mean()\n"
        "loss.backward()\n"
        "with torch.no_grad():\n"
        "    w -= 0.01 * w.grad\n"
        "w.grad.zero_()\n",
    ),
    Preset(
        "neuron",
        "Neuron relu(w·x + b)",
        "A single neuron: a weighted sum plus a bias through ReLU. The gradient only flows "
        "back where the ReLU was active.",
        "x = torch.tensor([1.0, -2.0, 3.0])\n"
        "w = torch.tensor([0.5, -0.3, 0.8], requires_grad=True)\n"
        "b = torch.tensor(0.1, requires_grad=True)\n"
        "z = w @ x + b\n"
        "out = torch.relu(z)\n"
        "out.backward()\n",
    ),
    Preset(
        "mlp",
        "2-layer MLP + loss",
        "A tiny two-layer network written out by hand: x @ W1 + b1, ReLU, @ W2 + b2, then an "
        "MSE loss against a target.",
        "x = torch.randn(4, 3)\n"
        "target = torch.randn(4, 1)\n"
        "W1 = torch.randn(3, 5, requires_grad=True)\n"
        "b1 = torch.zeros(5, requires_grad=True)\n"
        "W2 = torch.randn(5, 1, requires_grad=True)\n"
        "b2 = torch.zeros(1, requires_grad=True)\n"
        "h = torch.relu(x @ W1 + b1)\n"
        "pred = h @ W2 + b2\n"
        "loss = F.mse_loss(pred, target)\n"
        "loss.backward()\n",
    ),
    Preset(
        "nograd_error",
        "Error: no grad",
        "The seed's error: nothing here requires grad, so there is no graph for backward() "
        "to follow.",
        "a = torch.zeros(3)\nb = a * 2\nc = b.sum()\nc.backward()\n",
        fails=True,
    ),
    Preset(
        "nonscalar_error",
        "Error: non-scalar",
        "backward() on a tensor with several elements needs to be told how to weigh them: "
        "reduce it with .sum() or pass a gradient.",
        "x = torch.ones(5, requires_grad=True)\ny = x * 3\ny.backward()\n",
        fails=True,
    ),
    Preset(
        "accumulate",
        "Gradients accumulate",
        "Two backward() calls add up in .grad: 3 after the first, 6 after the second (the seed's "
        "loop prints 3 then 6), until zero_() resets it. That is why a training loop calls "
        "optimizer.zero_grad() before each backward().",
        "weights = torch.ones(4, requires_grad=True)\n"
        "out1 = (weights * 3).sum()\n"
        "out1.backward()\n"
        "after_one = weights.grad * 1\n"
        "print(weights.grad)\n"
        "out2 = (weights * 3).sum()\n"
        "out2.backward()\n"
        "after_two = weights.grad * 1\n"
        "print(weights.grad)\n"
        "weights.grad.zero_()\n"
        "print(weights.grad)\n",
    ),
    Preset(
        "cut",
        "Three ways to stop tracking",
        "Three ways to stop tracking, side by side: under `with torch.no_grad():` nothing is "
        "recorded (d), `.detach()` gives a tensor outside the graph (c), and "
        "`requires_grad_(False)` stops tracking a leaf itself (w, as when freezing a layer). Only "
        "the path through b reaches x, so x.grad is 2.",
        "x = torch.ones(3, requires_grad=True)\n"
        "b = x * 2\n"
        "with torch.no_grad():\n"
        "    d = x * 2\n"
        "c = x.detach() * 2\n"
        "w = torch.ones(3, requires_grad=True)\n"
        "w.requires_grad_(False)\n"
        "e = w * 2\n"
        "print('tracked (b):', b.requires_grad, b.grad_fn)\n"
        "print('no_grad() (d):', d.requires_grad, d.grad_fn)\n"
        "print('detach() (c):', c.requires_grad, c.grad_fn)\n"
        "print('requires_grad_(False) (e):', e.requires_grad, e.grad_fn)\n"
        "out = (b + c + d + e).sum()\n"
        "out.backward()\n"
        "print('x.grad:', x.grad)\n",
    ),
    Preset(
        "inplace_error",
        "Error: in-place change",
        "exp() saves its output for backward; changing that output in place afterwards "
        "breaks the gradient, and autograd notices.",
        "a = torch.tensor([0.5, 1.0, 1.5], requires_grad=True)\n"
        "b = a.exp()\n"
        "b.zero_()\n"
        "c = b.sum()\n"
        "c.backward()\n",
        fails=True,
    ),
    Preset(
        "softmax",
        "Loss: cross-entropy",
        "Cross-entropy is the loss for picking one class out of several (digits, hand signs): "
        "it takes raw scores (logits) and class numbers. Its gradient is softmax(logits) minus "
        "the one-hot target, divided by the batch size.",
        "logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], requires_grad=True)\n"
        "labels = torch.tensor([0, 1])\n"
        "loss = F.cross_entropy(logits, labels)\n"
        "loss.backward()\n"
        "print('loss:', loss)\n"
        "print('grad:', logits.grad)\n",
    ),
    Preset(
        "mse",
        "Loss: MSE",
        "Mean squared error is the loss for predicting numbers (regression): a miss twice as big "
        "costs four times as much. Its gradient 2·(pred − target)/n grows with the miss.",
        "pred = torch.tensor([2.5, 0.0, 2.0, 8.0], requires_grad=True)\n"
        "target = torch.tensor([3.0, -0.5, 2.0, 7.0])\n"
        "loss = F.mse_loss(pred, target)\n"
        "loss.backward()\n"
        "print('loss:', loss)\n"
        "print('grad:', pred.grad)\n",
    ),
    Preset(
        "l1",
        "Loss: L1",
        "L1 (mean absolute error) is for predicting numbers when a few targets are far off "
        "(outliers): every miss pulls with the same strength, so its gradient is only the sign "
        "of (pred − target), divided by n.",
        "pred = torch.tensor([2.5, 0.0, 2.0, 8.0], requires_grad=True)\n"
        "target = torch.tensor([3.0, -0.5, 2.0, 7.0])\n"
        "loss = F.l1_loss(pred, target)\n"
        "loss.backward()\n"
        "print('loss:', loss)\n"
        "print('grad:', pred.grad)\n",
    ),
    Preset(
        "bce",
        "Loss: BCE",
        "Binary cross-entropy is for yes/no answers (spam or not, one or several independent "
        "labels). The _with_logits version takes raw scores and applies the sigmoid itself, "
        "which stays accurate where BCE on sigmoid outputs would round to log(0); its gradient "
        "is (sigmoid(logit) − label)/n.",
        "logits = torch.tensor([1.5, -0.5, 0.2, -2.0], requires_grad=True)\n"
        "labels = torch.tensor([1.0, 0.0, 1.0, 0.0])\n"
        "loss = F.binary_cross_entropy_with_logits(logits, labels)\n"
        "loss.backward()\n"
        "print('loss:', loss)\n"
        "print('grad:', logits.grad)\n"
        "same = F.binary_cross_entropy(torch.sigmoid(logits), labels)\n"
        "print('BCE on sigmoid gives the same loss:', same)\n",
    ),
]

PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}

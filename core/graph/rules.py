"""One sentence per backward function: the local gradient rule a step of backward() applies."""

from __future__ import annotations

RULES = {
    "Add": "addition passes the incoming gradient unchanged to both inputs (summed over any "
    "broadcast dimensions).",
    "Sub": "subtraction passes the incoming gradient to the first input and its negative to the "
    "second.",
    "Mul": "grad of each input = incoming gradient × the other input (the values saved in the "
    "forward pass).",
    "Div": "grad of the numerator = incoming / denominator; grad of the denominator = "
    "−incoming × numerator / denominator².",
    "Pow": "grad of x = incoming × exponent × x^(exponent − 1).",
    "Mean": "every element gets incoming / N, where N is the number of elements averaged.",
    "Sum": "every element gets a copy of the incoming gradient.",
    "Exp": "grad = incoming × exp(x), which is this node's own output (saved as result).",
    "Log": "grad = incoming / x.",
    "Sqrt": "grad = incoming / (2·√x).",
    "Abs": "grad = incoming × sign(x).",
    "Sin": "grad = incoming × cos(x).",
    "Cos": "grad = −incoming × sin(x).",
    "Tanh": "grad = incoming × (1 − tanh²(x)), using the saved result.",
    "Sigmoid": "grad = incoming × s × (1 − s), where s is the saved sigmoid output.",
    "Relu": "grad = incoming where the input was positive, 0 elsewhere.",
    "Threshold": "grad = incoming where the input was above the threshold, 0 elsewhere.",
    "Neg": "grad = −incoming.",
    "Mm": "for A @ B: grad of A = incoming @ Bᵀ, grad of B = Aᵀ @ incoming.",
    "Mv": "for A @ v: grad of A = outer(incoming, v), grad of v = Aᵀ @ incoming.",
    "Dot": "for a · b: grad of a = incoming × b, grad of b = incoming × a.",
    "Addmm": "for bias + x @ Wᵀ (nn.Linear): grad of the bias = incoming summed over the batch, "
    "grad of x = incoming @ W, grad of Wᵀ = xᵀ @ incoming.",
    "T": "transposing: the gradient is transposed back.",
    "Permute": "the gradient is permuted back.",
    "View": "a view: the gradient is reshaped back to the input's shape.",
    "Reshape": "the gradient is reshaped back to the input's shape.",
    "Unsafe": "the gradient is reshaped back to the input's shape.",
    "Expand": "the gradient is summed over the expanded dimensions.",
    "Softmax": "grad = s × (incoming − Σ incoming·s), with s the saved softmax output.",
    "LogSoftmax": "grad = incoming − softmax × Σ incoming.",
    "MseLoss": "grad of the prediction = incoming × 2 (prediction − target) / N (for mean).",
    "L1Loss": "grad of the prediction = incoming × sign(prediction − target) / N.",
    "NllLoss": "grad = −incoming / N at each target class, 0 elsewhere.",
    "BinaryCrossEntropy": "grad of p = incoming × (p − y) / (p (1 − p)) / N.",
    "AccumulateGrad": "a leaf: the incoming gradient is added into its .grad (added, not "
    "replaced, which is why gradients accumulate until zeroed).",
}


def rule_for(op: str) -> str:
    """A one-sentence local gradient rule for a backward function name like 'MulBackward0'."""
    base = op.split("Backward")[0]
    if base in RULES:
        return RULES[base]
    for key in sorted(RULES, key=len, reverse=True):
        if base.startswith(key):
            return RULES[key]
    return (
        "this node multiplies the incoming gradient by the local derivative of its "
        "operation (a vector-Jacobian product) and sends one gradient to each input."
    )

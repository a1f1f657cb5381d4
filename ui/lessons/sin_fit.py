"""The lessons the sin fit page teaches (see ui/lessons/__init__.py for what a lesson is).

`fit_open` (ui/sin_fit/opened.py) names the part of the page a lesson opens: the optimizer
race (started by the link), the training-loop anatomy or the runnable code."""

from ui.lessons import Lesson

PAGE = "app_pages/sin_fit.py"
# Every setting of the page, as a shared link writes it (the seed's defaults): a lesson sets
# them all, so it shows the same thing whatever the student changed on the page before.
# Plain strings here: the lessons map must not import torch (core.sin_fit) to draw Home.
SEED_SETTINGS = {
    "fit_variant": "autograd",
    "fit_optimizer": "rmsprop",
    "fit_lr": "1e-06",
    "fit_momentum": "0.9",
    "fit_beta1": "0.9",
    "fit_beta2": "0.999",
    "fit_degree": "3",
    "fit_points": "2000",
    "fit_target": "sin",
    "fit_noise": "0.0",
    "fit_reduction": "sum",
    "fit_loss": "mse",
    "fit_seed": "0",
    "fit_steps": "2000",
    "fit_typo": "False",
    "fit_forget": "False",
    "fit_lo": "-3.141592653589793",
    "fit_hi": "3.141592653589793",
}


def setup(**changes: str) -> dict[str, str]:
    """The seed's settings with `changes` (widget key -> the text a link carries)."""
    return {**SEED_SETTINGS, **changes}


LESSONS: list[Lesson] = [
    Lesson(
        key="sin-fit-way-1-autograd",
        idea=13,
        group="Autograd",
        title="The sin(x) fit, way 1: raw tensors and autograd",
        idea_text="The notes' first listing fits a cubic to sin(x) with four tensors that have "
        "requires_grad=True. backward() fills their .grad, and the update is written by hand "
        "under torch.no_grad().",
        try_this="Press Train and watch the loss fall to the dashed optimum; read the code "
        "below, then try 'Find the bug' in the presets.",
        page=PAGE,
        params=setup(fit_variant="autograd", fit_lr="1e-06", fit_open="code"),
        proof="one 0-dim tensor per coefficient, tracked by autograd",
    ),
    Lesson(
        key="sin-fit-way-2-optim",
        idea=13,
        group="Optimizers",
        title="The sin(x) fit, way 2: nn.Sequential and torch.optim",
        idea_text="The second listing lets nn.Sequential hold the weights and a torch.optim "
        "optimizer (RMSprop) update them: zero_grad(), backward(), step().",
        try_this="Train it, then switch the optimizer in the sidebar and train again: the runs "
        "table keeps both.",
        page=PAGE,
        params=setup(fit_variant="optim", fit_optimizer="rmsprop", fit_lr="0.001", fit_open="code"),
        proof="torch.optim.RMSprop(model.parameters()",
    ),
    Lesson(
        key="sin-fit-way-3-nn",
        idea=13,
        group="nn.Module",
        title="The sin(x) fit, way 3: nn.Sequential with a hand-written update",
        idea_text="The third listing builds the model from nn.Linear and nn.Flatten and takes "
        "MSELoss from torch.nn, but still moves every parameter by hand: "
        "param -= learning_rate * param.grad.",
        try_this="Train it and compare its loss curve with way 1's: the same gradient descent, "
        "a different starting point.",
        page=PAGE,
        params=setup(fit_variant="nn", fit_lr="1e-06", fit_open="code"),
        proof="model.zero_grad()",
    ),
    Lesson(
        key="sin-fit-nn-module",
        idea=7,
        group="nn.Module",
        title="Subclassing nn.Module: Polynomial3",
        idea_text="A model of your own is a subclass of nn.Module: __init__ creates its "
        "parameters as nn.Parameter, forward does the maths. nn.Sequential is the same thing "
        "with forward written for you.",
        try_this="Train it with SGD at 1e-6: it follows way 1's curve step for step, because it "
        "is the same cubic from the same starting numbers.",
        page=PAGE,
        params=setup(fit_variant="module", fit_optimizer="sgd", fit_lr="1e-06"),
        proof="which registers them with the module",
    ),
    Lesson(
        key="sin-fit-loss-choice",
        idea=8,
        group="Losses",
        title="Choosing the loss: MSE, L1 or Huber",
        idea_text="The loss decides what counts as a bad fit: MSE squares each error, L1 counts "
        "its size, Huber squares the small ones and counts the large ones. Each has its own best "
        "cubic, and the page computes it exactly.",
        try_this="Train with L1, then switch to MSE and train again: compare the two runs and "
        "their optima in the runs table.",
        page=PAGE,
        params=setup(fit_variant="optim", fit_optimizer="adam", fit_lr="0.01", fit_loss="l1"),
        proof="every point pulls with the same strength",
    ),
    Lesson(
        key="sin-fit-optimizer-race",
        idea=9,
        group="Optimizers",
        title="The optimizer race: SGD, Adam, Adagrad, RMSprop",
        idea_text="Four optimizers start from the same weights on the same fit, each at a "
        "learning rate that suits it. Their loss curves on one log axis show how differently "
        "they travel to the same optimum.",
        try_this="Watch which one gets there first, then change the seed or the loss in the "
        "sidebar and start the race again.",
        page=PAGE,
        params=setup(fit_open="race"),
        proof="divides by a decaying average of the squares",
    ),
    Lesson(
        key="sin-fit-training-loop",
        idea=10,
        group="The training loop",
        title="The five steps of the training loop",
        idea_text="Every training step is forward, loss, zero_grad, backward and step. Run them "
        "one at a time and watch each parameter's value and .grad change.",
        try_this="Click 'Next phase' five times, then switch on 'Forget zero_grad' and see the "
        "gradients pile up.",
        page=PAGE,
        params=setup(fit_variant="nn", fit_lr="1e-06", fit_open="anatomy"),
        proof="marks the phase the next click runs",
    ),
]

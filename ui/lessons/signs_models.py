"""The lessons the signs models page teaches (see ui/lessons/__init__.py for what a lesson is).

Each starts from the built-in pretrained small CNN (`signs_start=pretrained`, see
ui.signs.save_load.apply_lesson_start) where it needs a trained model, selects its tab
(`signs_tab`, the page's tabs are bound to the URL) and opens its expander (`signs_open`)."""

from ui.lessons import Lesson

PAGE = "app_pages/signs.py"

LESSONS: list[Lesson] = [
    Lesson(
        key="eval-vs-train",
        idea=4,
        group="nn.Module",
        title="model.eval() and model.train()",
        idea_text=(
            "A module has two modes: in train() dropout silences random units and batch norm "
            "normalises with the statistics of the current batch; in eval() dropout keeps every "
            "unit and batch norm uses the running statistics it learnt. Predict in eval() mode, "
            "or the same picture gets a different answer every time."
        ),
        try_this=(
            "The page opens a trained CNN on its Results tab: compare the five train-mode rows "
            "with the five eval-mode rows, then press Draw another hand."
        ),
        page=PAGE,
        params={"signs_start": "pretrained", "signs_tab": "4 · Results"},
        proof="Train mode versus eval mode",
    ),
    Lesson(
        key="several-gpus",
        idea=12,
        group="Devices and several GPUs",
        title="Several GPUs: device ids, DataParallel, CUDA_VISIBLE_DEVICES",
        idea_text=(
            "Each GPU has an id (cuda:0, cuda:1, …): .to(device) moves a model or a batch onto "
            "one of them. nn.DataParallel splits every batch over several GPUs, and "
            "CUDA_VISIBLE_DEVICES chooses which GPUs a process sees at all."
        ),
        try_this=(
            "Read what the device picker offers (with GPUs, or what it would offer on a server "
            "with two), then compare the three code blocks."
        ),
        page=PAGE,
        params={"signs_tab": "2 · Model", "signs_open": "gpus"},
        proof="CUDA_VISIBLE_DEVICES picks what a process sees",
    ),
    Lesson(
        key="save-load-pt",
        idea=17,
        group="Saving, loading and pretrained models",
        title="Saving and loading a model (.pt)",
        idea_text=(
            "torch.save(model.state_dict(), path) writes the model's tensors, named layer by "
            "layer, to a .pt file; load_state_dict(torch.load(path, weights_only=True)) pours "
            "them into a freshly built model of the same class."
        ),
        try_this=(
            "A trained CNN is loaded: read the keys of its state_dict, download its weights, "
            "then upload the file again under Load weights (or a picture, to see the refusal)."
        ),
        page=PAGE,
        params={"signs_start": "pretrained", "signs_tab": "5 · Save & export"},
        proof="Inside the state_dict",
    ),
    Lesson(
        key="pretrained-finetune",
        idea=18,
        group="Saving, loading and pretrained models",
        title="Pretrained models and fine-tuning",
        idea_text=(
            "torchvision and Torch Hub give networks with weights learnt on millions of "
            "pictures. Freeze such a backbone with requires_grad_(False), replace its last "
            "layer with a new head for your classes, and train only that head."
        ),
        try_this=(
            "Press Freeze and train a new head and see in the table that only the head changed; "
            "then pick your own hand signs in tab 1 and fine-tune again for your classes."
        ),
        page=PAGE,
        params={
            "signs_start": "pretrained",
            "signs_tab": "5 · Save & export",
            "signs_open": "pretrained",
        },
        proof="Fine-tuning: freeze the backbone, train a new head",
    ),
]

"""Write the current SIGNS settings as runnable plain-PyTorch scripts: the pieces they share,
and the single-device script.

The script has what the course shows: a `SIGNSDataset` over `train_signs/` and `test_signs/`
folders of `{label}_IMG_{id}.jpg`, torchvision transforms, DataLoaders, the model (its class
source copied from core.signs.models, so weights move between the page and the script), the
train/evaluate loops with `model.train()` / `model.eval()` + `torch.no_grad()`, a `--device`
flag, and `nn.DataParallel` when several GPUs are visible. core.signs.export_parallel builds the
nn.DataParallel and DistributedDataParallel scripts from the same pieces (`script_parts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import indent

from core.optimizers import optimizer_code
from core.signs.config import ALL_GPUS, ClassifierConfig, validate_config
from core.signs.models import (
    DROPOUT_MODELS,
    MODEL_CLASSES,
    MODEL_INFO,
    class_source,
    constructor_call,
)

LAYOUT = """Folder layout (the course's, after build_dataset.py):
    DATA_DIR/train_signs/0_IMG_5864.jpg ...   {label}_IMG_{id}.jpg, label 0..5
    DATA_DIR/test_signs/0_IMG_5942.jpg ...
    DATA_DIR/val_signs/ ...                   optional; if absent, test_signs is used to validate"""

MAIN_CALL = '\n\n\nif __name__ == "__main__":\n    main()\n'  # ends every script


def _optimizer_line(config: ClassifierConfig, lr: str) -> str:
    """The optimizer's constructor call with `lr` as the learning-rate expression."""
    return optimizer_code(
        config.optimizer, lr, number=lambda v: f"{v:g}", weight_decay=config.weight_decay
    )


def _transforms(config: ClassifierConfig) -> str:
    steps = [("transforms.Resize((64, 64))", "as build_dataset.py: every image becomes 64×64")]
    if config.flip:
        steps.append(("transforms.RandomHorizontalFlip()", "a mirrored hand shows the same number"))
    if config.rotation > 0:
        steps.append((f"transforms.RandomRotation({config.rotation:g})", "turn by a random angle"))
    if config.color_jitter > 0:
        j = f"{config.color_jitter:g}"
        steps.append((f"transforms.ColorJitter(brightness={j}, contrast={j})", "vary the lighting"))
    steps.append(("transforms.ToTensor()", "PIL image -> float tensor (3, 64, 64) in [0, 1]"))
    return "\n".join(f"    {call},  # {comment}" for call, comment in steps)


def imports(stdlib: tuple[str, ...] = (), torch_lines: tuple[str, ...] = (), data=()) -> str:
    """The script's import block: these lines added to the shared ones, `data` to torch.utils.data."""
    standard = sorted(["import argparse", "import os", *stdlib])
    third_party = [
        "import torch",
        "import torchvision",
        "from PIL import Image",
        "from torch import nn",
        "from torch.utils.data import " + ", ".join(["DataLoader", "Dataset", *data]),
        "from torchvision import transforms",
        *torch_lines,
    ]
    third_party.sort(key=lambda line: (line.startswith("from"), line.split()[1].lower()))
    return "\n".join([*standard, "", *third_party])


@dataclass(frozen=True)
class ScriptParts:
    """The text every exported SIGNS script shares, filled in from one config."""

    label: str  # the model's name on the page
    default_device: str  # the --device default: cpu, cuda or mps
    body: str  # SIGNSDataset, transforms, the model's class, train_one_epoch and evaluate
    arguments: str  # the parser lines after --device, through parse_args
    data: str  # the folders and the training Dataset (train_set)
    eval_loaders: str  # val_loader and test_loader
    model: str  # the constructor call
    training: str  # loss_fn, optimizer and scheduler

    def parser(self, device_lines: str, saves: str = "the state_dict") -> str:
        """main()'s argument parser; `device_lines` pick the device(s), `saves` says what --save writes."""
        arguments = self.arguments.replace(
            'help="where to save the state_dict"', f'help="where to save {saves}"'
        )
        return (
            "    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])\n"
            '    parser.add_argument("--data-dir", default="data/64x64_SIGNS")\n'
            f"{device_lines}\n{arguments}"
        )

    @staticmethod
    def train_loader(order: str, size: str) -> str:
        """The training DataLoader; `order` shuffles or names a sampler, `size` counts its images."""
        return (
            f"    train_loader = DataLoader(train_set, batch_size=args.batch_size, {order},\n"
            "                              num_workers=args.num_workers,\n"
            f"                              drop_last={size} % args.batch_size == 1)"
            "  # batch norm needs 2+"
        )

    def epoch_loop(self) -> str:
        """Train, validate and report each epoch in one process."""
        return (
            "    for epoch in range(1, args.epochs + 1):\n"
            "        train_loss, train_acc = train_one_epoch(model, train_loader, loss_fn, optimizer, scheduler, device)\n"
            "        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)\n"
            f"{self.epoch_report(8)}"
        )

    @staticmethod
    def epoch_report(spaces: int) -> str:
        """The line printed after each epoch, indented by `spaces`."""
        report = (
            'print(f"epoch {epoch}: train loss {train_loss:.4f} acc {train_acc:.3f} | "\n'
            '      f"val loss {val_loss:.4f} acc {val_acc:.3f}")'
        )
        return indent(report, " " * spaces)

    @staticmethod
    def test_report(net: str, spaces: int) -> str:
        """Evaluate `net` on the test folder and print it, indented by `spaces`."""
        report = (
            f"test_loss, test_acc = evaluate({net}, test_loader, loss_fn, device)\n"
            'print(f"test loss {test_loss:.4f} accuracy {test_acc:.3f}")'
        )
        return indent(report, " " * spaces)


def script_parts(config: ClassifierConfig) -> ScriptParts:
    """Fill the shared pieces from `config` (checked first).

    Long because it is one template: the pieces read as the student gets them.
    """
    config = validate_config(config)
    if config.model in MODEL_CLASSES:
        model_source = class_source(MODEL_CLASSES[config.model])  # with its Dropout class
    else:
        model_source = "# ResNet-18 comes from torchvision: no class to define here.\n"
    dropout = config.dropout if config.model in DROPOUT_MODELS else 0.0
    default_device = (
        "cuda" if config.device == ALL_GPUS or config.device.startswith("cuda") else config.device
    )
    optimizer = _optimizer_line(config, "args.lr")
    scheduler = (
        "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * len(train_loader))"
        if config.lr_schedule == "one-cycle"
        else "None  # constant learning rate"
    )
    body = f'''class SIGNSDataset(Dataset):
    """The images of one folder; the label is the first character of each file name."""

    def __init__(self, data_dir, transform):
        names = sorted(f for f in os.listdir(data_dir) if f.lower().endswith((".jpg", ".jpeg", ".png")))
        self.filenames = [os.path.join(data_dir, f) for f in names]
        self.labels = [int(os.path.basename(f)[0]) for f in self.filenames]
        self.transform = transform

    def __len__(self):
        return len(self.filenames)

    def __getitem__(self, idx):
        image = Image.open(self.filenames[idx]).convert("RGB")  # PIL image
        return self.transform(image), self.labels[idx]


train_transformer = transforms.Compose([
{_transforms(config)}
])
eval_transformer = transforms.Compose([
    transforms.Resize((64, 64)),
    transforms.ToTensor(),
])


{model_source}

def train_one_epoch(model, loader, loss_fn, optimizer, scheduler, device):
    model.train()  # dropout on, batch norm uses batch statistics
    total_loss, correct, seen = 0.0, 0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)  # (B, 3, 64, 64), (B,)
        logits = model(images)  # (B, 6)
        loss = loss_fn(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()  # one-cycle: the learning rate changes every batch
        total_loss += loss.item() * len(labels)
        correct += (logits.argmax(1) == labels).sum().item()
        seen += len(labels)
    return total_loss / seen, correct / seen


def evaluate(model, loader, loss_fn, device):
    model.eval()  # dropout off, batch norm uses its running statistics
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():  # no graph, no gradients: faster and lighter
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            total_loss += loss_fn(logits, labels).item() * len(labels)
            correct += (logits.argmax(1) == labels).sum().item()
            seen += len(labels)
    return total_loss / seen, correct / seen
'''
    arguments = f"""    parser.add_argument("--epochs", type=int, default={config.epochs})
    parser.add_argument("--batch-size", type=int, default={config.batch_size})
    parser.add_argument("--lr", type=float, default={config.lr!r})
    parser.add_argument("--num-workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default={config.seed})
    parser.add_argument("--save", default="signs_{config.model}.pt", help="where to save the state_dict")
    args = parser.parse_args()"""
    data = """    train_dir = os.path.join(args.data_dir, "train_signs")
    val_dir = os.path.join(args.data_dir, "val_signs")
    test_dir = os.path.join(args.data_dir, "test_signs")
    if not os.path.isdir(val_dir):
        val_dir = test_dir
    train_set = SIGNSDataset(train_dir, train_transformer)"""
    eval_loaders = """    val_loader = DataLoader(SIGNSDataset(val_dir, eval_transformer), batch_size=256,
                            num_workers=args.num_workers)
    test_loader = DataLoader(SIGNSDataset(test_dir, eval_transformer), batch_size=256,
                             num_workers=args.num_workers)"""
    training = f"""    loss_fn = nn.CrossEntropyLoss()
    optimizer = {optimizer}
    scheduler = {scheduler}"""
    return ScriptParts(
        label=MODEL_INFO[config.model][0],
        default_device=default_device,
        body=body,
        arguments=arguments,
        data=data,
        eval_loaders=eval_loaders,
        model=constructor_call(config.model, dropout, config.num_classes),
        training=training,
    )


def export_script(config: ClassifierConfig) -> str:
    """A standalone script training `config`'s model on a SIGNS folder; returns its source.

    Long because it is one template: the script reads top to bottom as the student gets it.
    """
    p = script_parts(config)
    return f'''"""Train the {p.label} on the SIGNS hand-sign images, exported from Torch Playground.

{LAYOUT}

Run:  python train_signs.py --data-dir data/64x64_SIGNS --device {p.default_device}
"""

{imports()}


{p.body}

def main():
{p.parser(f'    parser.add_argument("--device", default="{p.default_device}", help="cpu, cuda, cuda:1, mps ...")')}

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
{p.data}
{p.train_loader("shuffle=True", "len(train_set)")}
{p.eval_loaders}

    model = {p.model}
    if device.type == "cuda" and torch.cuda.device_count() > 1:
        print(f"Using {{torch.cuda.device_count()}} GPUs with nn.DataParallel")
        model = nn.DataParallel(model)  # splits every batch across the GPUs
    model = model.to(device)
    if device.type == "cpu":  # conv weights stored channels-last: faster convolutions on a CPU
        model = model.to(memory_format=torch.channels_last)
{p.training}

{p.epoch_loop()}
{p.test_report("model", 4)}
    plain = model.module if isinstance(model, nn.DataParallel) else model
    torch.save(plain.state_dict(), args.save)  # load with torch.load(path, weights_only=True)
    print(f"saved the weights to {{args.save}}"){MAIN_CALL}'''


def training_snippet(config: ClassifierConfig) -> str:
    """The few lines of PyTorch behind the page's current settings (for the "Show code" box).

    Long because it is one template of the loop, filled from the settings.
    """
    config = validate_config(config)
    dropout = config.dropout if config.model in DROPOUT_MODELS else 0.0
    optimizer = _optimizer_line(config, f"{config.lr:g}")
    device = "cuda" if config.device == ALL_GPUS else config.device
    parallel = (
        "model = nn.DataParallel(model)  # split each batch over every GPU\n"
        if config.device == ALL_GPUS
        else ""
    )
    layout = (  # as the page's trainer keeps it (core.signs.train)
        "model = model.to(memory_format=torch.channels_last)  # conv weights channels-last: faster on a CPU\n"
        if config.device == "cpu"
        else ""
    )
    if config.model in MODEL_CLASSES:
        where = f"# {MODEL_CLASSES[config.model].__name__}: its class is in the exported script (Save & export)\n"
    else:
        where = "import torchvision\n"
    steps = f"len(train_loader) * {config.epochs}"
    schedule_line = (
        f"scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr={config.lr:g}, total_steps={steps})\n"
        if config.lr_schedule == "one-cycle"
        else ""
    )
    schedule_step = (
        "        scheduler.step()                            # one-cycle: new lr every batch\n"
        if schedule_line
        else ""
    )
    return f"""import torch
from torch import nn
{where}
device = torch.device("{device}")
torch.manual_seed({config.seed})
model = {constructor_call(config.model, dropout, config.num_classes)}
{parallel}model = model.to(device)
{layout}loss_fn = nn.CrossEntropyLoss()
optimizer = {optimizer}
{schedule_line}
# train_loader: the Data tab's DataLoader (its v2 transforms flip and turn each picture as it is
# read); X_val, y_val: the validation pictures and labels
for epoch in range({config.epochs}):
    model.train()                                   # dropout on, batch norm learns statistics
    for images, labels in train_loader:             # a new shuffle every epoch
        images, labels = images.to(device), labels.to(device)  # (B, 3, 64, 64), (B,)
        logits = model(images)                      # (B, classes)
        loss = loss_fn(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
{schedule_step}
    model.eval()                                    # dropout off, batch norm uses running stats
    with torch.no_grad():                           # validation needs no gradients
        val_accuracy = (model(X_val.to(device)).argmax(1) == y_val.to(device)).float().mean().item()
    print(f"epoch {{epoch + 1}}: val accuracy {{val_accuracy:.3f}}")
"""

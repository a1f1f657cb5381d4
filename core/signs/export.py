"""Write the current SIGNS settings as one runnable plain-PyTorch script.

The script has what the course shows: a `SIGNSDataset` over `train_signs/` and `test_signs/`
folders of `{label}_IMG_{id}.jpg`, torchvision transforms, DataLoaders, the model (its class
source copied from core.signs.models, so weights move between the page and the script), the
train/evaluate loops with `model.train()` / `model.eval()` + `torch.no_grad()`, a `--device`
flag, and `nn.DataParallel` when several GPUs are visible.
"""

from __future__ import annotations

from core.optimizers import optimizer_code
from core.signs.config import ALL_GPUS, ClassifierConfig, validate_config
from core.signs.models import (
    DROPOUT_MODELS,
    MODEL_CLASSES,
    MODEL_INFO,
    class_source,
    constructor_call,
)


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


def export_script(config: ClassifierConfig) -> str:
    """A standalone script training `config`'s model on a SIGNS folder; returns its source.

    Long because it is one template: the script reads top to bottom as the student gets it.
    """
    config = validate_config(config)
    label = MODEL_INFO[config.model][0]
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
    return f'''"""Train the {label} on the SIGNS hand-sign images, exported from Torch Playground.

Folder layout (the course's, after build_dataset.py):
    DATA_DIR/train_signs/0_IMG_5864.jpg ...   {{label}}_IMG_{{id}}.jpg, label 0..5
    DATA_DIR/test_signs/0_IMG_5942.jpg ...
    DATA_DIR/val_signs/ ...                   optional; if absent, test_signs is used to validate

Run:  python train_signs.py --data-dir data/64x64_SIGNS --device {default_device}
"""

import argparse
import os

import torch
import torchvision
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms


class SIGNSDataset(Dataset):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data/64x64_SIGNS")
    parser.add_argument("--device", default="{default_device}", help="cpu, cuda, cuda:1, mps ...")
    parser.add_argument("--epochs", type=int, default={config.epochs})
    parser.add_argument("--batch-size", type=int, default={config.batch_size})
    parser.add_argument("--lr", type=float, default={config.lr!r})
    parser.add_argument("--num-workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default={config.seed})
    parser.add_argument("--save", default="signs_{config.model}.pt", help="where to save the state_dict")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    train_dir = os.path.join(args.data_dir, "train_signs")
    val_dir = os.path.join(args.data_dir, "val_signs")
    test_dir = os.path.join(args.data_dir, "test_signs")
    if not os.path.isdir(val_dir):
        val_dir = test_dir
    train_set = SIGNSDataset(train_dir, train_transformer)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.num_workers,
                              drop_last=len(train_set) % args.batch_size == 1)  # batch norm needs 2+
    val_loader = DataLoader(SIGNSDataset(val_dir, eval_transformer), batch_size=256,
                            num_workers=args.num_workers)
    test_loader = DataLoader(SIGNSDataset(test_dir, eval_transformer), batch_size=256,
                             num_workers=args.num_workers)

    model = {constructor_call(config.model, dropout)}
    if device.type == "cuda" and torch.cuda.device_count() > 1:
        print(f"Using {{torch.cuda.device_count()}} GPUs with nn.DataParallel")
        model = nn.DataParallel(model)  # splits every batch across the GPUs
    model = model.to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = {optimizer}
    scheduler = {scheduler}

    for epoch in range(1, args.epochs + 1):
        train_loss, train_acc = train_one_epoch(model, train_loader, loss_fn, optimizer, scheduler, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        print(f"epoch {{epoch}}: train loss {{train_loss:.4f}} acc {{train_acc:.3f}} | "
              f"val loss {{val_loss:.4f}} acc {{val_acc:.3f}}")
    test_loss, test_acc = evaluate(model, test_loader, loss_fn, device)
    print(f"test loss {{test_loss:.4f}} accuracy {{test_acc:.3f}}")
    plain = model.module if isinstance(model, nn.DataParallel) else model
    torch.save(plain.state_dict(), args.save)  # load with torch.load(path, weights_only=True)
    print(f"saved the weights to {{args.save}}")


if __name__ == "__main__":
    main()
'''


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
    flip = (
        "        flip = torch.rand(len(images), device=device) < 0.5   # RandomHorizontalFlip, per image\n"
        "        images = torch.where(flip[:, None, None, None], images.flip(-1), images)\n"
        if config.flip
        else ""
    )
    if config.model in MODEL_CLASSES:
        where = f"# {MODEL_CLASSES[config.model].__name__}: its class is in the exported script (Save & export)\n"
    else:
        where = "import torchvision\n"
    steps = f"(len(X_train) + {config.batch_size - 1}) // {config.batch_size} * {config.epochs}"
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
model = {constructor_call(config.model, dropout)}
{parallel}model = model.to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = {optimizer}
{schedule_line}
# X_train: (N, 3, 64, 64) floats in [0, 1], y_train: (N,) labels 0..5, both already on the device
for epoch in range({config.epochs}):
    model.train()                                   # dropout on, batch norm learns statistics
    order = torch.randperm(len(X_train), device=device)
    for start in range(0, len(X_train), {config.batch_size}):
        index = order[start:start + {config.batch_size}]
        images, labels = X_train[index], y_train[index]   # (B, 3, 64, 64), (B,)
{flip}        logits = model(images)                      # (B, 6)
        loss = loss_fn(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
{schedule_step}
    model.eval()                                    # dropout off, batch norm uses running stats
    with torch.no_grad():                           # validation needs no gradients
        val_accuracy = (model(X_val).argmax(1) == y_val).float().mean().item()
    print(f"epoch {{epoch + 1}}: val accuracy {{val_accuracy:.3f}}")
"""

"""The SIGNS scripts for several devices: `nn.DataParallel` and DistributedDataParallel (torchrun).

Both are built from the single-device script's pieces (core.signs.export.script_parts): the same
dataset, transforms, model class and loops. Both save the page's checkpoint format
(core.signs.checkpoint: format tag, settings, class names, the plain model's state_dict), so the
page's "Load weights" reads what they train. `exported_scripts` lists the three for the page.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from core.signs.checkpoint import CHECKPOINT_FORMAT
from core.signs.config import ClassifierConfig
from core.signs.dataset import CLASS_NAMES
from core.signs.export import LAYOUT, MAIN_CALL, export_script, imports, script_parts

CHECKPOINT_HELP = (
    "a checkpoint in the page's format (its Load weights reads it)"  # what --save writes
)

SCRIPT_FILES = {
    "single": "train_signs.py",
    "dp": "train_signs_dp.py",
    "ddp": "train_signs_ddp.py",
}


@dataclass(frozen=True)
class ExportedScript:
    """One downloadable script: its tab title, file name, how to run it, and its source."""

    kind: str  # "single", "dp" or "ddp"
    title: str
    filename: str
    command: str  # the shell line that runs it (more variants are in its docstring)
    source: str


def default_classes(config: ClassifierConfig, classes: list[str] | None) -> list[str]:
    """The class names a script saves: the page's (`classes`), else SIGNS's "0".."5" for six
    classes, else "0", "1", ... one per class."""
    if classes is not None:
        if len(classes) != config.num_classes:
            raise ValueError(
                f"{len(classes)} class names were given for a model with {config.num_classes} "
                "outputs."
            )
        return [str(c) for c in classes]
    if config.num_classes == len(CLASS_NAMES):
        return list(CLASS_NAMES)
    return [str(i) for i in range(config.num_classes)]


def _checkpoint_code(config: ClassifierConfig, classes: list[str] | None = None) -> str:
    """SETTINGS, CLASSES and a `save_checkpoint(model, args)` writing the page's checkpoint
    format with the real class names: DATA_DIR/classes.txt when the folder has one (as "My own
    hand signs" writes it), else the page's names at export time."""
    fields = "\n".join(
        f"    {json.dumps(name)}: {json.dumps(value) if isinstance(value, str) else repr(value)},"
        for name, value in asdict(config).items()
    )
    names = default_classes(config, classes)
    return f'''SETTINGS = {{  # the page's settings this script was exported with
{fields}
}}
CLASSES = {json.dumps(names, ensure_ascii=False)}  # the class names, in label order


def class_names(data_dir):
    """The names in DATA_DIR/classes.txt (one a line, in label order) if there is one, else CLASSES."""
    path = os.path.join(data_dir, "classes.txt")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as file:
            names = [line.strip() for line in file if line.strip()]
        if len(names) == SETTINGS["num_classes"]:
            return names
    return CLASSES


def save_checkpoint(model, args):
    """Save as the Torch Playground page does, so that its "Load weights" reads the file back.

    `model` is the plain network (model.module), so the names carry no "module." prefix. Inside
    are only tensors and strings: torch.load(path, weights_only=True) reads it.
    """
    settings = dict(SETTINGS, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    torch.save({{
        "format": "{CHECKPOINT_FORMAT}",
        "config": json.dumps(settings, indent=2),
        "classes": class_names(args.data_dir),
        "state_dict": {{name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}},
    }}, args.save)'''


SAVED_FORMAT = """The weights are saved in Torch Playground's checkpoint format: the SIGNS page's "Load weights"
reads the file, and so does torch.load(path, weights_only=True)."""


def data_parallel_script(config: ClassifierConfig, classes: list[str] | None = None) -> str:
    """The script training on every listed GPU of one machine with `nn.DataParallel`.

    Long because it is one template: the script reads top to bottom as the student gets it.
    """
    p = script_parts(config)
    name = SCRIPT_FILES["dp"]
    return f'''"""Train the {p.label} on the SIGNS hand-sign images with nn.DataParallel, exported from Torch Playground.

{LAYOUT}

nn.DataParallel runs in one process: for every batch it copies the model onto each listed GPU,
gives each GPU a slice of the batch, and gathers the outputs and the gradients on the first one.
PyTorch recommends DistributedDataParallel (train_signs_ddp.py, run with torchrun) instead, even
on one machine: it is faster and also runs across machines.

Run:  python {name} --data-dir data/64x64_SIGNS                      # every visible GPU
      python {name} --data-dir data/64x64_SIGNS --device-ids 0,1     # GPUs 0 and 1
      CUDA_VISIBLE_DEVICES=2,3 python {name} --data-dir data/64x64_SIGNS
          # only GPUs 2 and 3 are visible; the script then counts them as 0 and 1
Without a GPU it trains on the CPU (nn.DataParallel then calls the model as it is).

{SAVED_FORMAT}
"""

{imports(("import json",))}


{p.body}

{_checkpoint_code(config, classes)}


def main():
{p.parser('    parser.add_argument("--device-ids", default="", help="GPUs to split each batch over, e.g. 0,1 (default: every visible one)")', CHECKPOINT_HELP)}

    torch.manual_seed(args.seed)
    if torch.cuda.is_available():
        device_ids = ([int(i) for i in args.device_ids.split(",")] if args.device_ids
                      else list(range(torch.cuda.device_count())))
        device = torch.device("cuda", device_ids[0])  # the parameters live on the first GPU
        print(f"nn.DataParallel over GPUs {{device_ids}}: each batch is split between them")
    else:
        device_ids, device = None, torch.device("cpu")
        print("No GPU here: nn.DataParallel runs the model on the CPU as it is")
{p.data}
{p.train_loader("shuffle=True", "len(train_set)")}
{p.eval_loaders}

    model = {p.model}
    model = nn.DataParallel(model.to(device), device_ids=device_ids)
{p.training}

{p.epoch_loop()}
{p.test_report("model", 4)}
    save_checkpoint(model.module, args)  # the plain model: no "module." in the names
    print(f"saved the weights to {{args.save}}"){MAIN_CALL}'''


def _ddp_device(default_device: str) -> str:
    """DDP's --device default: cuda (nccl) where the page trained on a GPU, else cpu (gloo)."""
    return "cuda" if default_device == "cuda" else "cpu"


def ddp_script(config: ClassifierConfig, classes: list[str] | None = None) -> str:
    """The script for `torchrun`: one process per device, DistributedDataParallel, any machines.

    Long because it is one template: the script reads top to bottom as the student gets it.
    """
    p = script_parts(config)
    name = SCRIPT_FILES["ddp"]
    device = _ddp_device(p.default_device)
    return f'''"""Train the {p.label} on the SIGNS hand-sign images with DistributedDataParallel, exported from Torch Playground.

{LAYOUT}

torchrun starts one process per device (its rank). Each process holds a copy of the model and
trains on its own share of every epoch (DistributedSampler); during backward the gradients are
averaged over all processes (all-reduce), so every copy takes the same step. Rank 0 alone prints
and saves. --batch-size is per process: one step learns from (processes x batch size) images.

Run on one machine with N processes (nccl on GPUs, one process per GPU; gloo on the CPU):
    torchrun --standalone --nproc_per_node=N {name} --data-dir data/64x64_SIGNS --device cuda
    torchrun --standalone --nproc_per_node=2 {name} --data-dir data/64x64_SIGNS --device cpu
Across M machines with N processes each: the same line on every machine, where HOST is one of
them and its port 29500 is reachable from the others:
    torchrun --nnodes=M --nproc_per_node=N --rdzv-id=signs --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 {name} --data-dir data/64x64_SIGNS

{SAVED_FORMAT}
"""

{imports(("import json",), ("import torch.distributed as dist", "from torch.nn.parallel import DistributedDataParallel as DDP"), ("DistributedSampler",))}


{p.body}

{_checkpoint_code(config, classes)}


def mean_over_ranks(device, *values):
    """Each value averaged over all processes (every rank trains on as many images)."""
    total = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(total)  # the sum over ranks, on every rank
    return (total / dist.get_world_size()).tolist()


def main():
{p.parser(f'    parser.add_argument("--device", default="{device}", help="cpu (gloo) or cuda (nccl; the process of LOCAL_RANK k takes GPU k)")', CHECKPOINT_HELP)}

    local_rank = int(os.environ["LOCAL_RANK"])  # torchrun sets RANK, LOCAL_RANK and WORLD_SIZE
    device = torch.device(args.device)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(args.seed)  # the same first weights on every rank (DDP also copies rank 0's)
{p.data}
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed)  # this rank's share
{p.train_loader("sampler=sampler", "len(sampler)")}
{p.eval_loaders}

    model = {p.model}
    # each process's batch norm uses its own batch; nn.SyncBatchNorm.convert_sync_batchnorm(model)
    # would pool the statistics over all processes, at the cost of more communication
    model = DDP(model.to(device), device_ids=[local_rank] if device.type == "cuda" else None)
{p.training}
    if rank == 0:
        print(f"DistributedDataParallel: {{world_size}} processes ({{dist.get_backend()}}), "
              f"{{len(sampler)}} of the {{len(train_set)}} training images each per epoch")

    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # a new shuffle every epoch, the same one on every rank
        train_loss, train_acc = train_one_epoch(model, train_loader, loss_fn, optimizer, scheduler, device)
        train_loss, train_acc = mean_over_ranks(device, train_loss, train_acc)
        if rank == 0:  # one process validates and prints; the others wait for it in their next step
            val_loss, val_acc = evaluate(model.module, val_loader, loss_fn, device)
{p.epoch_report(12)}
    if rank == 0:
{p.test_report("model.module", 8)}
        save_checkpoint(model.module, args)  # the plain model: no "module." in the names
        print(f"saved the weights to {{args.save}}")
    dist.barrier()  # no process leaves before rank 0 has saved
    print(f"rank {{rank}} of {{world_size}} finished", flush=True)
    dist.destroy_process_group(){MAIN_CALL}'''


def exported_scripts(
    config: ClassifierConfig, classes: list[str] | None = None
) -> list[ExportedScript]:
    """The three scripts from one config: single device, nn.DataParallel, DDP under torchrun;
    the parallel two save `classes` (the page's class names) unless the data has classes.txt."""
    files = SCRIPT_FILES
    device = script_parts(config).default_device
    data = "--data-dir data/64x64_SIGNS"
    return [
        ExportedScript(
            "single",
            "One device",
            files["single"],
            f"python {files['single']} {data} --device {device}",
            export_script(config),
        ),
        ExportedScript(
            "dp",
            "nn.DataParallel (one machine, several GPUs)",
            files["dp"],
            f"CUDA_VISIBLE_DEVICES=0,1 python {files['dp']} {data}",
            data_parallel_script(config, classes),
        ),
        ExportedScript(
            "ddp",
            "DistributedDataParallel (torchrun)",
            files["ddp"],
            f"torchrun --standalone --nproc_per_node=2 {files['ddp']} {data} "
            f"--device {_ddp_device(device)}",
            ddp_script(config, classes),
        ),
    ]

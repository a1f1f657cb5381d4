"""The stratified split: a fraction of each class held out, chosen by a seed."""

from __future__ import annotations

import torch


def stratified_split(
    labels: torch.Tensor, fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (keep, held_out): `fraction` of each class held out, chosen by `seed`."""
    generator = torch.Generator().manual_seed(seed)
    keep, held = [], []
    for label in torch.unique(labels).tolist():
        members = torch.nonzero(labels == label).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        count = round(fraction * len(members))
        held.append(members[:count])
        keep.append(members[count:])
    if not keep:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
    return torch.sort(torch.cat(keep)).values, torch.sort(torch.cat(held)).values

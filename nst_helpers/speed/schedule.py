"""Adam's schedule compressed: about the same path through the pictures in fewer, longer steps.

Adam with learning rate eta and decay rates rho_1, rho_2 for N steps is a discretisation of one continuous path,
with the step count as its clock: a step moves a pixel by about eta (at most about eta while 1 - rho_1 <=
sqrt(1 - rho_2), Kingma and Ba's bound), and the running averages remember about 1 / (1 - rho_1) and
1 / (1 - rho_2) steps. Multiplying eta, 1 - rho_1 and 1 - rho_2 by kappa and dividing N by kappa keeps, to first
order in kappa (1 - rho), the distance travelled and the memory measured in distance, in kappa times fewer steps;
the larger kappa, the coarser the discretisation and the farther the picture drifts from the original schedule's.
epsilon is left as it is: it is compared with the gradient's size, which depends on where the image is on the path,
not on the step.

Chapter: 11.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..errors import InputError
from ..optimize import TransferConfig
from ..validate import finite_number

__all__ = ["compress_schedule"]


def compress_schedule(config: TransferConfig, kappa: float) -> TransferConfig:
    """``config`` with ceil(steps / kappa) steps, ``kappa`` times the learning rate and ``kappa`` times
    1 - beta_1 and 1 - beta_2. ``kappa`` = 1 returns ``config`` itself.

    Taught in chapter 11.
    """
    kappa = finite_number("kappa (the compression factor)", kappa, positive=True)
    if kappa < 1:
        raise InputError(f"kappa (the compression factor) must be at least 1; got {kappa!r}.")
    if kappa == 1:
        return config
    largest = 1 / (1 - min(config.beta_1, config.beta_2))
    if kappa > largest * (1 + 1e-9):
        raise InputError(
            f"kappa = {kappa:g} would take beta_1 or beta_2 below 0 (beta_1 = {config.beta_1}, beta_2 = "
            f"{config.beta_2}); choose kappa of at most {largest:g}."
        )
    return replace(
        config,
        steps=max(1, math.ceil(config.steps / kappa)),
        learning_rate=config.learning_rate * kappa,
        beta_1=max(0.0, 1 - (1 - config.beta_1) * kappa),
        beta_2=max(0.0, 1 - (1 - config.beta_2) * kappa),
    )

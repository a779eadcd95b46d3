"""Adam's schedule compressed: about the same path through the pictures in fewer, longer steps.

Adam with learning rate eta and decay rates rho_1, rho_2 for N steps is a discretisation of one continuous path,
with the step count as its clock: the momentum forgets over about 1 / (1 - rho_1) steps, and each step moves a
pixel by up to about eta. Multiplying eta, 1 - rho_1 and 1 - rho_2 by kappa and dividing N by kappa keeps that
path (the same distance travelled, the same memory measured in distance) and takes kappa times fewer steps; the
larger kappa, the coarser the discretisation and the farther the picture drifts from the original schedule's.

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
    largest = 1 / (1 - min(config.beta_1, config.beta_2))
    if kappa >= largest:
        raise InputError(
            f"kappa = {kappa:g} would take beta_1 or beta_2 to 0 or below (beta_1 = {config.beta_1}, beta_2 = "
            f"{config.beta_2}); choose kappa below {largest:g}."
        )
    if kappa == 1:
        return config
    return replace(
        config,
        steps=max(1, math.ceil(config.steps / kappa)),
        learning_rate=config.learning_rate * kappa,
        beta_1=1 - (1 - config.beta_1) * kappa,
        beta_2=1 - (1 - config.beta_2) * kappa,
    )

"""The optimisation engine on small losses that need no network: any loss, both kinds of method, one result."""

from __future__ import annotations

import numpy as np
import pytest

from nst_helpers._tf import keras, tf
from nst_helpers.engine import LBFGS, UNIT_PIXELS, KerasOptimizer, PixelSpace, Problem, minimize
from nst_helpers.errors import InputError, OptimizationDivergedError
from nst_helpers.speed import time_to_quality

TARGET = np.full((1, 4, 5, 3), 0.75, np.float32)


def squared_distance(image):
    return tf.reduce_sum(tf.square(image - TARGET))


@pytest.mark.parametrize("method", [KerasOptimizer(keras.optimizers.Adam(learning_rate=0.05)), LBFGS()])
def test_any_scalar_loss_is_minimised_within_the_bounds(method):
    problem = Problem(squared_distance, np.zeros_like(TARGET), UNIT_PIXELS)
    result = minimize(problem, method, steps=60, snapshots=3, progress=False)
    assert result.history["total"][0] == pytest.approx(float(np.sum(TARGET**2)))
    assert result.best_loss == min(result.history["total"]) < 0.01 * result.history["total"][0]
    assert result.image.dtype == np.uint8 and np.abs(result.image.astype(int) - 191).max() <= 3
    evaluations = len(result.history["total"])  # L-BFGS stops early on this quadratic
    assert [step for step, _ in result.snapshots] == [s for s in (0, 20, 40) if s < evaluations]
    assert result.extra["method"] == method.settings()


def test_the_bounds_hold_where_the_loss_pulls_outside():
    pixels = PixelSpace("test", 0.0, 0.5, lambda x: np.asarray(x))
    for method in (KerasOptimizer(keras.optimizers.Adam(learning_rate=0.1)), LBFGS()):
        problem = Problem(squared_distance, np.zeros_like(TARGET), pixels)
        minimize(problem, method, steps=30, progress=False)
        assert float(tf.reduce_max(problem.image)) <= 0.5 + 1e-6


def test_the_callback_sees_each_evaluation_and_can_stop():
    seen = []

    def callback(evaluation):
        seen.append((evaluation.step, evaluation.image.shape))
        return evaluation.step == 4

    problem = Problem(squared_distance, np.zeros_like(TARGET), UNIT_PIXELS)
    result = minimize(problem, KerasOptimizer(keras.optimizers.SGD(0.01)), steps=50, callback=callback, progress=False)
    assert seen == [(i, TARGET.shape) for i in range(5)] and len(result.history["total"]) == 5


def test_a_nan_stops_with_the_methods_advice():
    problem = Problem(lambda x: tf.reduce_sum(x) * np.nan, np.zeros_like(TARGET), UNIT_PIXELS)
    with pytest.raises(OptimizationDivergedError, match=r"nan at step 0\. Lower the learning rate \(now 0\.5\)"):
        minimize(problem, KerasOptimizer(keras.optimizers.Adam(learning_rate=0.5)), steps=3, progress=False)


def test_bad_settings_get_one_clear_error():
    problem = Problem(squared_distance, np.zeros_like(TARGET), UNIT_PIXELS)
    with pytest.raises(InputError, match="snapshots must be a whole number"):
        minimize(problem, LBFGS(), steps=3, snapshots=-1)
    with pytest.raises(InputError, match="steps must be a whole number"):
        minimize(problem, LBFGS(), steps=0)
    with pytest.raises(InputError, match="Keras optimizer"):
        KerasOptimizer("adam")
    terms_without_total = Problem(lambda x: {"style": squared_distance(x)}, np.zeros_like(TARGET), UNIT_PIXELS)
    with pytest.raises(Exception, match="must have a 'total' entry"):  # raised while TensorFlow traces the loss
        minimize(terms_without_total, LBFGS(), steps=3, progress=False)


def test_ctrl_c_in_one_method_stops_the_whole_comparison(monkeypatch):
    class Interrupted:
        interrupted = True

    monkeypatch.setattr(time_to_quality, "Trial", lambda *args: None)
    monkeypatch.setattr(time_to_quality.LBFGSMethod, "run", lambda self, trial: Interrupted())
    with pytest.raises(KeyboardInterrupt):
        time_to_quality.run_method("lbfgs", {}, None, None)

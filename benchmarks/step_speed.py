"""How fast is one optimisation step? The project's compiled train step against the TF blog post's eager loop.

In one run on one machine this script

1. times ``StyleTransfer(...).train_step`` (the project's step, compiled with ``tf.function``) at each size;
2. times a re-implementation of the loop of the TensorFlow blog post "Neural Style Transfer with Eager
   Execution": eager execution every step, a GradientTape around the loss, ``apply_gradients``, clipping, and
   the best image copied to the host and de-processed whenever the loss improves;
3. measures the machine's float32 matmul throughput (a compiled 2048x2048 ``tf.matmul``, best of several runs,
   taken between the timed steps of each size, so that it describes the same stretch of time);
4. counts the FLOPs of one step from the layer shapes (convolutions forward and backward w.r.t. their input,
   Gram matrices forward and backward);
5. prints a table and, with ``--json PATH``, writes the same figures as JSON.

Both loops use the same backbone, the same images and the same sizes; their timed steps are interleaved
(blog, project, blog, project, ...) so that both see the same machine. The CPU time that other processes
used during each timed step is measured too (from ``/proc/stat``) and reported, because it slows every
figure down; when it is not negligible, the medians of the steps during which other processes used less
than 5 % of the CPUs are printed as well.

``--experiments`` adds variants of the project's step, timed in the same interleaved rounds:
``xla`` (the same step with ``TransferConfig(jit_compile=True)``) and ``keras-autodiff`` (the
network run as a Keras model, its input gradients left to automatic differentiation instead of the forward
convolutions of :mod:`nst_helpers.speed.fastgrad`). Two variants of the blog loop explain its cost:
``blog-no-kernel-grads``
(eager, with the unused kernel gradients that eager execution computes replaced by zeros) and
``blog-compiled`` (the blog post's step compiled with ``tf.function``). Thread and oneDNN settings are read by
TensorFlow at start-up, so compare those
by running the script again with ``TF_NUM_INTEROP_THREADS``, ``TF_NUM_INTRAOP_THREADS`` or
``TF_ENABLE_ONEDNN_OPTS`` set; the settings in force are printed and written to the JSON.

Run from the repository root::

    NST_DATA_DIR=/path/to/images .venv/bin/python benchmarks/step_speed.py \
        [--sizes 256 512] [--steps 9] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402

from machine import cpu_model  # noqa: E402
from nst_helpers import (  # noqa: E402  (after the path set-up)
    BACKBONES,
    StyleTransfer,
    TransferConfig,
    load_feature_extractor,
    load_image,
)
from nst_helpers._tf import tf  # noqa: E402

TARGET_SPEEDUP = 1.8  # project step vs the eager loop, at the smallest size
TARGET_SHARE = 75.0  # achieved GFLOP/s of the project step, % of the measured matmul throughput
QUIET_PCT = 5.0  # a step is 'quiet' when other processes used less than this share of the CPUs meanwhile
THREAD_ENV = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS")


# --------------------------------------------------------------------------------------------------
# The machine: matmul throughput, CPU model, and the CPU time other processes take while we measure.
# --------------------------------------------------------------------------------------------------


class CpuShare:
    """CPU seconds used by the whole machine and by this process between ``start()`` and ``stop()``.

    ``other_pct`` is the CPU time of other processes as a share of all cores' wall time: 0 on a quiet
    machine; 50 means other work took one of two cores on average.
    """

    def __init__(self) -> None:
        self.other_s = 0.0
        self.own_s = 0.0
        self.wall_s = 0.0
        self._start: tuple[float, float, float] | None = None

    @staticmethod
    def _busy_s() -> float:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        except OSError:
            return float("nan")
        ticks = [int(v) for v in fields]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        busy = sum(ticks[:8]) - idle  # guest time is already counted in user time
        return busy / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_s() -> float:
        t = os.times()
        return t.user + t.system

    def start(self) -> None:
        self._start = (self._busy_s(), self._own_s(), time.perf_counter())

    def stop(self) -> float:
        """Add the interval since ``start()``; return the other processes' share of it, in %."""
        busy0, own0, wall0 = self._start
        own = self._own_s() - own0
        other = max(0.0, (self._busy_s() - busy0) - own)
        wall = time.perf_counter() - wall0
        self.own_s += own
        self.other_s += other
        self.wall_s += wall
        return 100.0 * other / ((os.cpu_count() or 1) * wall) if wall else float("nan")

    @property
    def other_pct(self) -> float:
        cores = os.cpu_count() or 1
        return 100.0 * self.other_s / (cores * self.wall_s) if self.wall_s else float("nan")


class MatmulProbe:
    """A compiled float32 ``n x n`` matmul; each call runs it once and returns its GFLOP/s."""

    def __init__(self, n: int = 2048):
        rng = np.random.default_rng(0)
        self.n = n
        self.a = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
        self.b = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
        self.matmul = tf.function(lambda x, y: tf.matmul(x, y))
        self.matmul(self.a, self.b).numpy()  # trace and warm up

    def __call__(self) -> float:
        t0 = time.perf_counter()
        self.matmul(self.a, self.b).numpy()
        return 2.0 * self.n**3 / (time.perf_counter() - t0) / 1e9


def matmul_gflops(probe: MatmulProbe, repeats: int = 7) -> dict:
    """Throughput of ``probe``'s matmul: best and median of ``repeats`` runs, GFLOP/s."""
    runs = [probe() for _ in range(repeats)]
    return {"n": probe.n, "repeats": repeats, "best_gflops": max(runs), "median_gflops": statistics.median(runs)}


def numpy_matmul_gflops(n: int = 2048, repeats: int = 7) -> float:
    """The same product with NumPy's BLAS, for reference only (best of ``repeats``, GFLOP/s)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best / 1e9


# --------------------------------------------------------------------------------------------------
# FLOPs of one step, from the layer shapes.
# --------------------------------------------------------------------------------------------------


def step_flops(extractor, image_shape: tuple[int, ...]) -> dict:
    """FLOPs of one train step of ``extractor`` on an image of ``image_shape`` (1, h, w, 3).

    Counted: every Conv2D layer the extractor runs, forward 2*H*W*Cin*Cout*k*k and the same again for the
    gradient w.r.t. its input (the weights are frozen: no weight gradients); the Gram matrix of each style
    layer, forward 2*HW*C*C and the same again backward. Not counted: bias, ReLU, pooling, the
    element-wise loss terms, Adam and clipping (together well under 1 % here).
    """
    shape = tuple(image_shape)
    shapes: dict[str, tuple] = {}
    conv_fwd = 0.0
    per_layer = []
    for layer in extractor.model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        out = tuple(layer.compute_output_shape(shape))
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw, cin, cout = (int(d) for d in layer.kernel.shape)
            flops = 2.0 * out[1] * out[2] * cin * cout * kh * kw
            conv_fwd += flops
            per_layer.append({"layer": layer.name, "output": list(out), "forward_flops": flops})
        shapes[layer.name] = out
        shape = out
    gram = 0.0
    for name in extractor.backbone.style_layers:
        _, h, w, c = shapes[name]
        gram += 2.0 * h * w * c * c
    return {
        "conv_forward": conv_fwd,
        "conv_backward_input": conv_fwd,
        "gram_forward": gram,
        "gram_backward": gram,
        "total": 2.0 * conv_fwd + 2.0 * gram,
        "conv_layers": per_layer,
        "layer_shapes": {n: list(s) for n, s in shapes.items()},
    }


# --------------------------------------------------------------------------------------------------
# The TF blog post's loop, eager every step.
# --------------------------------------------------------------------------------------------------

BLOG_MEANS = np.array([103.939, 116.779, 123.68], dtype=np.float32)  # BGR, as in the post


def blog_load_and_process(rgb: np.ndarray) -> np.ndarray:
    """The post's ``load_and_process_img`` after loading: VGG 'caffe' pre-processing (BGR, means off)."""
    return (rgb[..., ::-1] - BLOG_MEANS).astype(np.float32)


def blog_deprocess(processed: np.ndarray) -> np.ndarray:
    """The post's ``deprocess_img``: squeeze, means back, BGR to RGB, clip, uint8."""
    x = processed.copy()
    if len(x.shape) == 4:
        x = np.squeeze(x, 0)
    x[:, :, 0] += BLOG_MEANS[0]
    x[:, :, 1] += BLOG_MEANS[1]
    x[:, :, 2] += BLOG_MEANS[2]
    x = x[:, :, ::-1]
    return np.clip(x, 0, 255).astype("uint8")


def blog_gram_matrix(input_tensor):
    channels = int(input_tensor.shape[-1])
    a = tf.reshape(input_tensor, [-1, channels])
    n = tf.shape(a)[0]
    gram = tf.matmul(a, a, transpose_a=True)
    return gram / tf.cast(n, tf.float32)


def blog_style_loss(base_style, gram_target):
    gram_style = blog_gram_matrix(base_style)
    return tf.reduce_mean(tf.square(gram_style - gram_target))


def blog_content_loss(base_content, target):
    return tf.reduce_mean(tf.square(base_content - target))


class BlogLoop:
    """The post's ``run_style_transfer``: its ``compute_loss``, ``compute_grads`` and loop body, one step per call.

    ``model`` is a Keras model returning the feature maps of ``style_layers`` and ``content_layers`` (as a
    dict or list); the post's model returns ``style_outputs + content_outputs``, rebuilt here in that order.
    """

    def __init__(
        self,
        model,
        style_layers,
        content_layers,
        content_rgb,
        style_rgb,
        content_weight: float = 1e3,
        style_weight: float = 1e-2,
    ):
        self.model = model
        self.layers = list(style_layers) + list(content_layers)
        self.num_style_layers = len(style_layers)
        self.num_content_layers = len(content_layers)
        self.loss_weights = (style_weight, content_weight)
        # get_feature_representations
        style_outputs = self.outputs(blog_load_and_process(style_rgb))
        content_outputs = self.outputs(blog_load_and_process(content_rgb))
        style_features = [layer[0] for layer in style_outputs[: self.num_style_layers]]
        self.content_features = [layer[0] for layer in content_outputs[self.num_style_layers :]]
        self.gram_style_features = [blog_gram_matrix(f) for f in style_features]
        self.init_image = tf.Variable(blog_load_and_process(content_rgb), dtype=tf.float32)
        self.opt = keras.optimizers.Adam(learning_rate=5.0, beta_1=0.99, epsilon=1e-1)
        self.min_vals = -BLOG_MEANS
        self.max_vals = 255 - BLOG_MEANS
        self.best_loss, self.best_img = float("inf"), None
        self.iteration = 0

    def outputs(self, image):
        maps = self.model(image)
        return [maps[n] for n in self.layers] if isinstance(maps, dict) else list(maps)

    def compute_loss(self, init_image):
        style_weight, content_weight = self.loss_weights
        model_outputs = self.outputs(init_image)
        style_output_features = model_outputs[: self.num_style_layers]
        content_output_features = model_outputs[self.num_style_layers :]
        style_score = 0
        content_score = 0
        weight_per_style_layer = 1.0 / float(self.num_style_layers)
        for target_style, comb_style in zip(self.gram_style_features, style_output_features):
            style_score += weight_per_style_layer * blog_style_loss(comb_style[0], target_style)
        weight_per_content_layer = 1.0 / float(self.num_content_layers)
        for target_content, comb_content in zip(self.content_features, content_output_features):
            content_score += weight_per_content_layer * blog_content_loss(comb_content[0], target_content)
        style_score *= style_weight
        content_score *= content_weight
        loss = style_score + content_score
        return loss, style_score, content_score

    def compute_grads(self):
        with tf.GradientTape() as tape:
            all_loss = self.compute_loss(self.init_image)
        total_loss = all_loss[0]
        return tape.gradient(total_loss, self.init_image), all_loss

    def step(self) -> float:
        grads, all_loss = self.compute_grads()
        loss, style_score, content_score = all_loss
        self.opt.apply_gradients([(grads, self.init_image)])
        clipped = tf.clip_by_value(self.init_image, self.min_vals, self.max_vals)
        self.init_image.assign(clipped)
        if loss < self.best_loss:
            self.best_loss = loss
            self.best_img = blog_deprocess(self.init_image.numpy())
        self.iteration += 1
        return float(loss)


class BlogLoopWithoutKernelGradients(BlogLoop):
    """Diagnostic: the eager loop with TensorFlow's conv kernel gradients replaced by zeros.

    Eagerly, the gradient function of ``Conv2D`` runs ``Conv2DBackpropFilter`` as well as
    ``Conv2DBackpropInput`` even though only the image's gradient is asked for. Timing this loop against
    ``BlogLoop`` shows what those unused kernel gradients cost; the image's gradient is unchanged.
    """

    def step(self) -> float:
        from tensorflow.python.ops import gen_nn_ops

        original = gen_nn_ops.conv2d_backprop_filter
        gen_nn_ops.conv2d_backprop_filter = lambda inputs, filter_sizes, *a, **k: tf.zeros(filter_sizes)
        try:
            return super().step()
        finally:
            gen_nn_ops.conv2d_backprop_filter = original


class CompiledBlogLoop(BlogLoop):
    """The same step with the gradient and update compiled by ``tf.function``; the bookkeeping stays eager."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._compiled = tf.function(self._update)

    def _update(self):
        grads, all_loss = self.compute_grads()
        self.opt.apply_gradients([(grads, self.init_image)])
        self.init_image.assign(tf.clip_by_value(self.init_image, self.min_vals, self.max_vals))
        return all_loss[0]

    def step(self) -> float:
        loss = self._compiled()
        if loss < self.best_loss:
            self.best_loss = loss
            self.best_img = blog_deprocess(self.init_image.numpy())
        self.iteration += 1
        return float(loss)


# --------------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------------


def project_step(transfer: StyleTransfer):
    """One step as ``StyleTransfer.run`` takes it: the compiled step, then its losses read on the host."""

    def step() -> float:
        losses = {k: float(v) for k, v in transfer.train_step().items()}
        return losses["total"]

    return step


def time_interleaved(steps_by_name: dict, warmup: int, rounds: int, monitor: CpuShare, probe: MatmulProbe) -> dict:
    """Warm each step up, then time ``rounds`` rounds of one call of each, the order turned every round.

    Every round also runs the matmul ``probe`` twice, so that the matmul throughput is known for the same
    stretch of time as the steps.
    """
    first_loss = {}
    for name, step in steps_by_name.items():
        t0 = time.perf_counter()
        first_loss[name] = step()
        print(f"    {name}: first step (tracing included) {time.perf_counter() - t0:.2f} s", flush=True)
        for _ in range(warmup - 1):
            step()
    times = {name: [] for name in steps_by_name}
    loads = {name: [] for name in steps_by_name}
    names = list(steps_by_name)
    matmul_runs = []
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            monitor.start()
            t0 = time.perf_counter()
            steps_by_name[name]()
            times[name].append(time.perf_counter() - t0)
            loads[name].append(monitor.stop())
        matmul_runs.extend(probe() for _ in range(2))
    last_loss = {name: step() for name, step in steps_by_name.items()}
    return {
        "times_s": times,
        "other_load_pct": loads,
        "first_loss": first_loss,
        "last_loss": last_loss,
        "matmul_gflops": matmul_runs,
        "steps_taken": warmup + rounds + 1,
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512], help="max_dim values (long side, px)")
    parser.add_argument("--steps", type=int, default=9, help="timed steps per loop and size (default 9)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first, tracing included (default 2)")
    parser.add_argument("--backbone", default="vgg16-hed", choices=sorted(BACKBONES))
    parser.add_argument("--content", default="turtle", help="content image: sample name or path")
    parser.add_argument("--style", default="great_wave", help="style image: sample name or path")
    parser.add_argument("--matmul-size", type=int, default=2048)
    parser.add_argument(
        "--experiments",
        action="store_true",
        help="also time variants of the project step (xla, keras-autodiff) "
        "and of the blog loop (blog-no-kernel-grads, blog-compiled)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 1:
        parser.error("--steps and --warmup must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    env = {k: os.environ.get(k) for k in THREAD_ENV}
    machine = {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "env": env,
        "intra_op_threads_setting": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads_setting": tf.config.threading.get_inter_op_parallelism_threads(),
    }
    print(f"{machine['cpu_model']}, {machine['nproc']} CPUs; TensorFlow {tf.__version__}, Keras {keras.__version__}")
    settings = ", ".join(f"{k}={v}" for k, v in env.items() if v is not None)
    print(f"environment: {settings or 'TensorFlow defaults (no thread or oneDNN variables set)'}")

    started = time.perf_counter()
    numpy_gflops = numpy_matmul_gflops(args.matmul_size)  # first: TensorFlow's idle threads can slow BLAS down later
    probe = MatmulProbe(args.matmul_size)
    mm_before = matmul_gflops(probe)
    print(
        f"matmul {args.matmul_size}x{args.matmul_size} float32: best {mm_before['best_gflops']:.1f} GFLOP/s", flush=True
    )

    extractor = load_feature_extractor(args.backbone)
    content_weight, style_weight = TransferConfig().weights_for(extractor.backbone)
    rows = []
    for size in args.sizes:
        print(f"size {size}:", flush=True)
        content_rgb = load_image(args.content, size)
        style_rgb = load_image(args.style, size)
        keras.utils.set_random_seed(0)
        config = TransferConfig(max_dim=size)
        loops = {
            "blog": BlogLoop(
                extractor.model,
                extractor.backbone.style_layers,
                extractor.backbone.content_layers,
                content_rgb,
                style_rgb,
                content_weight=content_weight,
                style_weight=style_weight,
            ).step,
            "project": project_step(project := StyleTransfer(extractor, content_rgb, style_rgb, config)),
        }
        if args.experiments:
            loops["xla"] = project_step(
                StyleTransfer(extractor, content_rgb, style_rgb, replace(config, jit_compile=True))
            )
            autodiff = extractor.variant(fast_gradients=False)
            loops["keras-autodiff"] = project_step(StyleTransfer(autodiff, content_rgb, style_rgb, config))
            loops["blog-no-kernel-grads"] = BlogLoopWithoutKernelGradients(
                extractor.model,
                extractor.backbone.style_layers,
                extractor.backbone.content_layers,
                content_rgb,
                style_rgb,
                content_weight=content_weight,
                style_weight=style_weight,
            ).step
            loops["blog-compiled"] = CompiledBlogLoop(
                extractor.model,
                extractor.backbone.style_layers,
                extractor.backbone.content_layers,
                content_rgb,
                style_rgb,
                content_weight=content_weight,
                style_weight=style_weight,
            ).step
        monitor = CpuShare()
        timed = time_interleaved(loops, args.warmup, args.steps, monitor, probe)
        flops = step_flops(extractor, content_rgb.shape)
        for name, target in project.content_targets.items():  # the counted shapes are the ones the step sees
            assert tuple(flops["layer_shapes"][name]) == tuple(target.shape), (name, flops["layer_shapes"][name])
        med = {n: statistics.median(t) * 1e3 for n, t in timed["times_s"].items()}
        best = {n: min(t) * 1e3 for n, t in timed["times_s"].items()}
        quiet = {
            n: [t * 1e3 for t, load in zip(ts, timed["other_load_pct"][n]) if load < QUIET_PCT]
            for n, ts in timed["times_s"].items()
        }
        row = {
            "size": size,
            "image_shape": list(content_rgb.shape),
            "eager_blog_ms": med["blog"],
            "project_ms": med["project"],
            "speedup": med["blog"] / med["project"],
            "project_gflops": flops["total"] / (med["project"] / 1e3) / 1e9,
            "min_ms": best,
            "quiet_steps_median_ms": {n: (statistics.median(v) if v else None) for n, v in quiet.items()},
            "quiet_steps": {n: len(v) for n, v in quiet.items()},
            "median_ms": med,
            "times_ms": {n: [round(t * 1e3, 2) for t in ts] for n, ts in timed["times_s"].items()},
            "other_load_pct_per_step": {n: [round(v, 1) for v in ls] for n, ls in timed["other_load_pct"].items()},
            "matmul_gflops_during": {
                "best": max(timed["matmul_gflops"]),
                "median": statistics.median(timed["matmul_gflops"]),
                "runs": [round(v, 1) for v in timed["matmul_gflops"]],
            },
            "first_loss": timed["first_loss"],
            "loss_after_steps": {"steps": timed["steps_taken"], "loss": timed["last_loss"]},
            "flops": {k: v for k, v in flops.items() if k != "layer_shapes"},
            "other_processes_cpu_pct": monitor.other_pct,
        }
        rows.append(row)
        print(
            "    median ms/step: "
            + ", ".join(f"{n} {v:.0f}" for n, v in med.items())
            + f"; other processes used {monitor.other_pct:.0f} % of the CPUs",
            flush=True,
        )
        if monitor.other_pct >= QUIET_PCT and any(quiet.values()):
            print(
                f"    steps during which other processes used < {QUIET_PCT:.0f} % of the CPUs: "
                + ", ".join(
                    f"{n} {statistics.median(v):.0f} ms ({len(v)} of {len(timed['times_s'][n])} steps)"
                    for n, v in quiet.items()
                    if v
                ),
                flush=True,
            )

    mm_after = matmul_gflops(probe)
    matmul_best = max(mm_before["best_gflops"], mm_after["best_gflops"])
    for row in rows:
        # The reference is the best matmul run while this size was timed: the same stretch of time.
        row["matmul_gflops"] = row["matmul_gflops_during"]["best"]
        row["share_of_matmul_pct"] = 100.0 * row["project_gflops"] / row["matmul_gflops"]
        row["share_of_best_matmul_of_run_pct"] = 100.0 * row["project_gflops"] / max(matmul_best, row["matmul_gflops"])
        for name, ms in row["median_ms"].items():
            row.setdefault("gflops", {})[name] = row["flops"]["total"] / (ms / 1e3) / 1e9
    elapsed = time.perf_counter() - started

    print()
    print(
        f"fp32 matmul throughput, tf.matmul {args.matmul_size}x{args.matmul_size}: best {mm_before['best_gflops']:.1f} "
        f"GFLOP/s before the steps, {mm_after['best_gflops']:.1f} after; the table uses the best run during each "
        f"size's steps (NumPy's BLAS, for reference: {numpy_gflops:.1f} GFLOP/s)"
    )
    header = (
        f"{'size':>5} {'image':>9} {'GFLOP/step':>10} {'eager blog ms':>13} {'project ms':>10} "
        f"{'speed-up':>8} {'GFLOP/s':>8} {'matmul GFLOP/s':>14} {'% matmul':>8} {'other load':>10}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        h, w = row["image_shape"][1:3]
        print(
            f"{row['size']:>5} {f'{w}x{h}':>9} {row['flops']['total'] / 1e9:>10.1f} {row['eager_blog_ms']:>13.0f} "
            f"{row['project_ms']:>10.0f} {row['speedup']:>7.2f}x {row['project_gflops']:>8.1f} "
            f"{row['matmul_gflops']:>14.1f} {row['share_of_matmul_pct']:>7.1f}% {row['other_processes_cpu_pct']:>9.0f}%"
        )
    if args.experiments:
        print()
        print("variants (median ms/step, GFLOP/s, % of matmul):")
        for row in rows:
            cells = [
                f"{n} {ms:.0f} ms ({row['gflops'][n]:.0f} GFLOP/s, "
                f"{100 * row['gflops'][n] / row['matmul_gflops']:.0f} %)"
                for n, ms in row["median_ms"].items()
            ]
            print(f"  {row['size']}: " + "; ".join(cells))
    smallest = min(rows, key=lambda r: r["size"])
    verdict = {
        "speedup_target": TARGET_SPEEDUP,
        "speedup_at_smallest_size": smallest["speedup"],
        "speedup_met": smallest["speedup"] >= TARGET_SPEEDUP,
        "share_target_pct": TARGET_SHARE,
        "share_met_at": [r["size"] for r in rows if r["share_of_matmul_pct"] >= TARGET_SHARE],
    }
    print()
    print(
        f"target speed-up >= {TARGET_SPEEDUP}x at {smallest['size']} px: "
        f"{'met' if verdict['speedup_met'] else 'missed'} ({smallest['speedup']:.2f}x)"
    )
    print(
        f"target >= {TARGET_SHARE:.0f} % of matmul throughput: "
        + ", ".join(
            f"{r['size']} px {'met' if r['share_of_matmul_pct'] >= TARGET_SHARE else 'missed'} "
            f"({r['share_of_matmul_pct']:.0f} %)"
            for r in rows
        )
    )
    if max(r["other_processes_cpu_pct"] for r in rows) > 10:
        print(
            "note: other processes used more than 10 % of the CPUs while timing; the figures are slower than "
            "on a quiet machine (see the quiet-step medians above and in the JSON)."
        )
    print(f"total time {elapsed:.0f} s")

    if args.json is not None:
        report = {
            "date": datetime.date.today().isoformat(),
            "machine": machine,
            "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "matmul": {
                "before": mm_before,
                "after": mm_after,
                "best_gflops": matmul_best,
                "numpy_best_gflops": numpy_gflops,
            },
            "rows": rows,
            "targets": verdict,
            "seconds": elapsed,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

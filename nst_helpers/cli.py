"""``nst-stylize``: stylise one image from the command line.

Chapter: 00.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from .data import SAMPLE_IMAGES
from .errors import NSTError

#: Default evaluations per optimizer at the default size: L-BFGS reaches the loss of 1000 Adam steps in fewer
#: (benchmarks/cli_default.py; the figures are in README.md, section "The command line").
DEFAULT_STEPS = {"lbfgs": 200, "adam": 1000}


def _weights(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, like 0.7,0.3; got {text!r}") from None
    if any(not (v >= 0) or v == float("inf") for v in values) or not (0 < sum(values) < float("inf")):
        raise argparse.ArgumentTypeError(f"the weights must be finite, not negative, not all zero; got {text!r}")
    return values


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds; got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nst-stylize",
        description="Paint CONTENT in the style of STYLE (Gatys et al. neural style transfer), or of several styles "
        f"mixed. Each image is a file path or a sample name: {', '.join(SAMPLE_IMAGES)}.",
    )
    parser.add_argument("content", help="content image: path or sample name")
    parser.add_argument(
        "styles", nargs="*", metavar="STYLE", help="style image(s): path or sample name (not with --model)"
    )
    parser.add_argument("-o", "--output", required=True, help="where to write the result (.png or .jpg)")
    parser.add_argument(
        "--mix", type=_weights, default=None, help="weights of several styles, like 0.7,0.3 (default: equal)"
    )
    parser.add_argument("--size", type=int, default=512, help="longest side in pixels (default 512)")
    parser.add_argument(
        "--optimizer",
        choices=tuple(DEFAULT_STEPS),
        default="lbfgs",
        help="lbfgs (default: the fastest to a given loss, chapter 11) or adam (the TF blog post's recipe)",
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help=f"loss evaluations (default {DEFAULT_STEPS['lbfgs']} for lbfgs, {DEFAULT_STEPS['adam']} for adam)",
    )
    parser.add_argument(
        "--time-limit",
        type=_seconds,
        default=None,
        help="seconds of optimisation, counted from the first evaluation (loading and compiling not counted); "
        "then write the best image",
    )
    parser.add_argument(
        "--precision",
        choices=("auto", "float32", "bfloat16", "float16"),
        default="auto",
        help="the network's precision; auto (default): bfloat16 where the CPU or GPU computes it (float16 on GPUs of "
        "compute capability 7.x) and the first loss and gradient agree with float32's, else float32 (chapter 11)",
    )
    parser.add_argument("--preserve-color", action="store_true", help="keep the content image's colours (chapter 07)")
    parser.add_argument("--content-weight", type=float, default=None, help="default: the backbone's")
    parser.add_argument("--style-weight", type=float, default=None, help="default: the backbone's")
    parser.add_argument("--tv-weight", type=float, default=0.0, help="total variation weight (default 0)")
    parser.add_argument("--learning-rate", type=float, default=5.0, help="Adam's learning rate (default 5.0)")
    parser.add_argument("--init", choices=("content", "noise", "content+noise"), default="content")
    parser.add_argument(
        "--backbone",
        choices=("auto", "vgg19", "vgg16-hed"),
        default="auto",
        help="auto: ImageNet VGG19 when its weights can be had, else the offline vgg16-hed",
    )
    parser.add_argument("--weights", default=None, help="local VGG19 weights file (also: NST_VGG19_WEIGHTS)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--model",
        default=None,
        help="a stylisation network saved as .keras (chapter 10): paint CONTENT in one forward pass, no STYLE",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _run_network(args: argparse.Namespace) -> int:
    """``--model``: one forward pass of a trained stylisation network."""
    import time

    from .feedforward import load_network, stylize
    from .images import save_image

    net = load_network(args.model)
    started = time.perf_counter()
    picture = stylize(net, args.content, args.size)
    path = save_image(picture, args.output)
    print(
        f"done: wrote {path} ({picture.shape[1]}x{picture.shape[0]} px, network {args.model}, "
        f"{time.perf_counter() - started:.2f} s)"
    )
    return 0


def _describe_input(source: str) -> dict[str, str]:
    """An input image as given, the file it resolved to, and that file's SHA-256 (the bytes decide the picture)."""
    import hashlib

    from .data import resolve_image

    path = resolve_image(source)
    return {"given": source, "file": str(path.resolve()), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def _settings(args: argparse.Namespace, config, extractor, result, mix: list[float], precision) -> dict[str, str]:
    """What made the picture, for the PNG's text chunk: enough to run it again (see README, "The command line")."""
    import json

    import numpy as np

    from . import __version__
    from ._tf import keras, tf

    content_weight, style_weight = config.weights_for(extractor.backbone)
    gpus = tf.config.list_physical_devices("GPU")
    settings = {
        "nst_helpers": __version__,
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        "device": gpus[0].name if gpus else "CPU",
        "tf32": tf.config.experimental.tensor_float_32_execution_enabled(),
        "content": _describe_input(args.content),
        "styles": [_describe_input(s) for s in args.styles],
        "mix": mix,
        "backbone": extractor.backbone.name,
        "weights_file": args.weights,
        "size": config.max_dim,
        "optimizer": args.optimizer,
        "steps": config.steps,
        "evaluations_run": len(result.history["total"]),
        "time_limit_s": args.time_limit,
        "content_weight": content_weight,
        "style_weight": style_weight,
        "tv_weight": config.tv_weight,
        "init": config.init,
        "seed": config.seed,
        "precision": precision.summary(),
        "preserve_color": args.preserve_color,
        "best_loss": result.best_loss,
    }
    if args.optimizer == "adam":
        settings["learning_rate"] = config.learning_rate
    return {"nst-stylize": json.dumps(settings)}


#: The options that only an optimisation uses (argparse destinations); one set away from its default was given.
_OPTIMISATION_ONLY = (
    "mix",
    "preserve_color",
    "time_limit",
    "optimizer",
    "steps",
    "learning_rate",
    "content_weight",
    "style_weight",
    "tv_weight",
    "init",
    "seed",
    "precision",
    "backbone",
    "weights",
)


def _given(parser: argparse.ArgumentParser, args: argparse.Namespace, dest: str) -> bool:
    return getattr(args, dest) != parser.get_default(dest)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_intermixed_args(argv)
    if args.model is not None and args.styles:
        parser.error("give either STYLE or --model, not both: a trained network carries its own style")
    if args.model is not None:
        ignored = ["--" + dest.replace("_", "-") for dest in _OPTIMISATION_ONLY if _given(parser, args, dest)]
        if ignored:
            parser.error(f"{', '.join(ignored)} do(es) not apply to --model: the network paints in one forward pass")
    if args.model is None and args.optimizer == "lbfgs" and _given(parser, args, "learning_rate"):
        parser.error("--learning-rate is Adam's; L-BFGS chooses its own steps. Add --optimizer adam to use it")
    if args.model is None and not args.styles:
        parser.error("the style image is missing: give STYLE, or --model PATH for a trained network")
    if args.mix is not None and len(args.mix) != len(args.styles):
        parser.error(f"--mix has {len(args.mix)} weights for {len(args.styles)} style images; give one per style")
    try:
        if args.model is not None:
            return _run_network(args)
        import time

        from .colour import preserve_colors
        from .control import run_controlled
        from .engine import LBFGS
        from .images import load_image, save_image
        from .model import load_feature_extractor
        from .optimize import StyleTransfer, TransferConfig, adam_method
        from .speed.precision import PrecisionChoice

        steps = DEFAULT_STEPS[args.optimizer] if args.steps is None else args.steps
        config = TransferConfig(
            steps=steps,
            max_dim=args.size,
            content_weight=args.content_weight,
            style_weight=args.style_weight,
            tv_weight=args.tv_weight,
            learning_rate=args.learning_rate,
            init=args.init,
            seed=args.seed,
            precision=args.precision,
        )
        mix = [w / sum(args.mix) for w in args.mix] if args.mix else [1 / len(args.styles)] * len(args.styles)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            extractor = load_feature_extractor(args.backbone, weights=args.weights)
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
        print(f"backbone: {extractor.backbone.label}; {args.optimizer}, {steps} evaluations", file=sys.stderr)
        clock: dict[str, float | bool] = {"timed_out": False}

        def out_of_time(_evaluation) -> bool:
            """Stop once --time-limit seconds have passed since the first evaluation (loading is not counted)."""
            if args.time_limit is None:
                return False
            now = time.perf_counter()
            started = clock.setdefault("started", now)
            clock["timed_out"] = now - started > args.time_limit
            return bool(clock["timed_out"])

        from ._tf import keras, tf

        # Full float32 on GPUs with TensorFloat-32, as in the book (chapter 11), so the losses match the book's.
        tf.config.experimental.enable_tensor_float_32_execution(False)
        keras.utils.set_random_seed(config.seed)
        if len(args.styles) == 1:
            transfer = StyleTransfer(extractor, args.content, args.styles[0], config)
            print(transfer.precision_choice.describe(), file=sys.stderr)
            method = LBFGS() if args.optimizer == "lbfgs" else None
            result = transfer.run(callback=out_of_time, progress=not args.quiet, method=method)
        else:
            method = LBFGS() if args.optimizer == "lbfgs" else adam_method(config)
            result = run_controlled(
                args.content,
                args.styles,
                config,
                extractor,
                weights=mix,
                method=method,
                progress=not args.quiet,
                callback=out_of_time,
            )
        precision = PrecisionChoice.from_summary(result.extra["precision"])
        if len(args.styles) > 1:
            print(precision.describe(), file=sys.stderr)
        picture = result.image
        if args.preserve_color:
            picture = preserve_colors(picture, load_image(args.content, config.max_dim)[0])
        path = save_image(picture, args.output, metadata=_settings(args, config, extractor, result, mix, precision))
    except NSTError as exc:
        print(f"nst-stylize: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the output cannot be written: a folder that is missing or read-only, a full disk
        print(f"nst-stylize: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    evaluations = len(result.history["total"])
    if result.interrupted:
        status = "stopped early (Ctrl-C); best image so far"
    elif clock["timed_out"] and evaluations < steps:
        status = f"stopped at the time limit ({args.time_limit:g} s) after {evaluations} evaluations; best image so far"
    else:
        status = "done"
    print(
        f"{status}: wrote {path} ({result.caption}; best loss {result.best_loss:.4g} "
        f"at evaluation {result.best_step}, {result.seconds:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

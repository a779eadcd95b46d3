"""``nst-stylize``: stylise one image from the command line.

Chapter: 00.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from .data import SAMPLE_IMAGES
from .errors import NSTError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nst-stylize",
        description="Paint CONTENT in the style of STYLE (Gatys et al. neural style transfer). "
        f"Each image is a file path or a sample name: {', '.join(SAMPLE_IMAGES)}.",
    )
    parser.add_argument("content", help="content image: path or sample name")
    parser.add_argument("style", nargs="?", help="style image: path or sample name (not with --model)")
    parser.add_argument("-o", "--output", required=True, help="where to write the result (.png or .jpg)")
    parser.add_argument("--size", type=int, default=512, help="longest side in pixels (default 512)")
    parser.add_argument("--steps", type=int, default=1000, help="optimisation steps (default 1000)")
    parser.add_argument("--content-weight", type=float, default=None, help="default: the backbone's")
    parser.add_argument("--style-weight", type=float, default=None, help="default: the backbone's")
    parser.add_argument("--tv-weight", type=float, default=0.0, help="total variation weight (default 0)")
    parser.add_argument("--learning-rate", type=float, default=5.0, help="Adam learning rate (default 5.0)")
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.model is not None and args.style is not None:
        parser.error("give either STYLE or --model, not both: a trained network carries its own style")
    if args.model is None and args.style is None:
        parser.error("the style image is missing: give STYLE, or --model PATH for a trained network")
    if args.model is not None:
        try:
            return _run_network(args)
        except NSTError as exc:
            print(f"nst-stylize: error: {exc}", file=sys.stderr)
            return 2
    try:
        from .images import save_image
        from .model import load_feature_extractor
        from .optimize import TransferConfig, run_style_transfer

        config = TransferConfig(
            steps=args.steps,
            max_dim=args.size,
            content_weight=args.content_weight,
            style_weight=args.style_weight,
            tv_weight=args.tv_weight,
            learning_rate=args.learning_rate,
            init=args.init,
            seed=args.seed,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            extractor = load_feature_extractor(args.backbone, weights=args.weights)
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
        print(f"backbone: {extractor.backbone.label}", file=sys.stderr)
        result = run_style_transfer(args.content, args.style, config, extractor=extractor, progress=not args.quiet)
        path = save_image(result.image, args.output)
    except NSTError as exc:
        print(f"nst-stylize: error: {exc}", file=sys.stderr)
        return 2
    status = "stopped early (Ctrl-C); best image so far" if result.interrupted else "done"
    print(
        f"{status}: wrote {path} ({result.caption}; best loss {result.best_loss:.4g} "
        f"at step {result.best_step}, {result.seconds:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

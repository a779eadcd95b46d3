"""Helpers for the Neural Style Transfer book.

Each module holds one idea and matches the chapter that teaches it: ``data`` (sample images), ``images``
(loading and VGG pre-processing), ``model`` (backbones and the feature extractor), ``fastgrad`` (the frozen
network run with cheap image gradients, optionally in bfloat16), ``memory`` (will a run fit?), ``losses``,
``optimize`` (the train step and loop), ``lbfgs`` and ``coarse_to_fine`` (faster routes to the same loss),
``time_to_quality`` (comparing them on one clock), ``runcache`` (runs kept on disk), ``recipes`` (other optimisers and the sources'
recipes), ``display`` (figures), ``modes`` and ``notebook`` (chapter set-up), ``grading`` (the assignment's
checks and ``nst-grade``), ``cli`` (``nst-stylize``).
"""
from ._tf import tf  # noqa: F401  (imports TensorFlow quietly before anything else does)
from .data import SAMPLE_IMAGES, find_sample, resolve_image, sample_path
from .errors import ImageNotFoundError, InputError, NSTError, OptimizationDivergedError, WeightsError
from .images import (
    PREPROCESSED_MAX,
    PREPROCESSED_MIN,
    VGG_MEAN_BGR,
    load_image,
    read_image,
    save_image,
    vgg_deprocess,
    vgg_preprocess,
)
from .losses import NORMALIZATIONS, content_loss, gram_matrix, layer_style_loss, style_loss, total_variation_loss
from .model import BACKBONES, Backbone, FeatureExtractor, load_feature_extractor
from .optimize import StyleTransfer, TransferConfig, TransferResult, run_style_transfer

__version__ = "0.1.0"
__all__ = [name for name in dir() if not name.startswith("_")]

"""nst-stylize end to end on small images, and its errors."""

from __future__ import annotations

import pytest
from PIL import Image

from nst_helpers.cli import main


@pytest.mark.slow
def test_stylize_samples_writes_a_png_and_names_the_backbone(tmp_path, capsys, samples):
    out = tmp_path / "out.png"
    code = main(
        ["turtle", "great_wave", "-o", str(out), "--size", "64", "--steps", "3", "--backbone", "vgg16-hed", "--quiet"]
    )
    assert code == 0
    assert Image.open(out).size == (64, 48)
    captured = capsys.readouterr()
    assert "backbone: VGG16-HED (offline backbone)" in captured.err
    assert "wrote" in captured.out and "offline backbone" in captured.out
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.jpg", "great_wave"], "Image file not found: missing.jpg"),
        (["turtle", "mona_lisa"], "Unknown sample image 'mona_lisa'"),
        (["turtle", "great_wave", "--steps", "0"], "steps must be"),
        (["turtle", "great_wave", "--size", "-5"], "max_dim"),
        (["turtle", "great_wave", "--learning-rate", "nan"], "learning_rate must be a finite number"),
    ],
)
def test_bad_input_gives_one_line_and_no_file(tmp_path, capsys, args, message):
    out = tmp_path / "out.png"
    assert (
        main(
            args + ["-o", str(out), "--backbone", "vgg16-hed", "--size", "64", "--quiet"]
            if "--size" not in args
            else args + ["-o", str(out), "--backbone", "vgg16-hed", "--quiet"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []

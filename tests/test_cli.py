"""nst-stylize end to end on small images, and its errors."""

from __future__ import annotations

import json

import pytest
from PIL import Image

import nst_helpers
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
        (["turtle", "great_wave", "--optimizer", "adam", "--learning-rate", "nan"], "learning_rate must be a finite"),
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


SMALL = ["--size", "64", "--steps", "3", "--backbone", "vgg16-hed", "--quiet"]


def _settings(path) -> dict:
    return json.loads(Image.open(path).text["nst-stylize"])


@pytest.mark.slow
def test_the_png_records_what_made_it_and_lbfgs_is_the_default(tmp_path, capsys, samples):
    out = tmp_path / "out.png"
    assert main(["turtle", "great_wave", "-o", str(out), *SMALL, "--seed", "3"]) == 0
    settings = _settings(out)
    assert settings["optimizer"] == "lbfgs" and settings["steps"] == 3 and settings["seed"] == 3
    assert settings["backbone"] == "vgg16-hed" and settings["size"] == 64 and settings["tf32"] is False
    assert settings["styles"][0]["given"] == "great_wave" and len(settings["styles"][0]["sha256"]) == 64
    assert settings["content"]["file"].endswith("Green_Sea_Turtle_grazing_seagrass.jpg")
    assert settings["nst_helpers"] == nst_helpers.__version__ and settings["content_weight"] > 0
    assert set(settings["versions"]) == {"tensorflow", "keras", "numpy"}
    err = capsys.readouterr().err
    assert "lbfgs, 3 evaluations" in err
    from nst_helpers.speed.precision import reduced_precision_candidate

    choice = settings["precision"]  # auto by default: the choice and, where the hardware has bfloat16, its check
    assert choice["asked"] == "auto" and f"precision auto -> {choice['used']}" in err
    if reduced_precision_candidate()[0] is None:
        assert choice["used"] == "float32" and choice["float32_loss"] is None
    else:
        assert choice["float32_loss"] > 0 and choice["reduced_loss"] > 0


@pytest.mark.slow
def test_a_forced_precision_is_recorded(tmp_path, capsys, samples):
    out = tmp_path / "out.png"
    assert main(["turtle", "great_wave", "-o", str(out), *SMALL, "--precision", "bfloat16"]) == 0
    assert _settings(out)["precision"] == {
        "asked": "bfloat16",
        "used": "bfloat16",
        "reason": "as asked",
        "float32_loss": None,
        "reduced_loss": None,
        "gradient_cosine": None,
        "difference": None,
    }
    assert "precision bfloat16 (as asked)" in capsys.readouterr().err


@pytest.mark.slow
def test_several_styles_mixed_with_adam_and_colours_kept(tmp_path, samples):
    out = tmp_path / "mixed.png"
    args = ["turtle", "great_wave", "kandinsky", "--mix", "3,1", "--optimizer", "adam", "--preserve-color"]
    assert main([*args, "-o", str(out), *SMALL]) == 0
    settings = _settings(out)
    assert settings["mix"] == [0.75, 0.25] and settings["optimizer"] == "adam" and settings["preserve_color"]
    assert settings["learning_rate"] == 5.0


@pytest.mark.slow
def test_the_time_limit_stops_the_run_and_writes_the_best_image(tmp_path, capsys, samples):
    out = tmp_path / "out.png"
    args = ["turtle", "great_wave", "-o", str(out), "--size", "64", "--steps", "500", "--backbone", "vgg16-hed"]
    assert main([*args, "--quiet", "--time-limit", "0.001"]) == 0
    assert "stopped at the time limit" in capsys.readouterr().out
    assert 2 <= _settings(out)["evaluations_run"] < 500  # the clock starts at the first evaluation


@pytest.mark.slow
def test_options_may_come_after_the_output(tmp_path, samples):
    out = tmp_path / "out.png"
    assert main(["turtle", "-o", str(out), "great_wave", *SMALL]) == 0
    assert out.is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["turtle", "great_wave", "kandinsky", "--mix", "1"], "--mix has 1 weights for 2 style images"),
        (["turtle", "great_wave", "--mix", "a,b"], "expected numbers separated by commas"),
        (["turtle", "great_wave", "--mix", "-1"], "not negative"),
        (["turtle", "great_wave", "--time-limit", "0"], "positive number of seconds"),
        (["turtle", "great_wave", "--optimizer", "sgd"], "invalid choice: 'sgd'"),
        (["turtle", "great_wave", "--mix", "1e308,1e308"], "not all zero"),
        (["turtle", "great_wave", "--learning-rate", "2"], "--learning-rate is Adam's"),
        (["turtle", "--model", "net.keras", "--preserve-color"], "--preserve-color do(es) not apply to --model"),
        (["turtle"], "the style image is missing"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as info:
        main([*args, "-o", str(tmp_path / "out.png")])
    assert info.value.code == 2 and message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []

"""The Chinese edition's figure labels render with the font that comes from PyPI, with no system CJK font."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Runs in a fresh process: matplotlib sees only its own fonts (every system font hidden), then the
# package's use_cjk_font() must supply the glyphs of a Chinese label. REGISTER=0 is the control: without the
# packaged font the same label must warn about missing glyphs, so the check below can fail.
SCRIPT = textwrap.dedent(
    """
    import os, sys, warnings
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.font_manager as fm

    own_fonts = fm.findSystemFonts
    fm.findSystemFonts = lambda fontpaths=None, fontext="ttf": own_fonts(fontpaths, fontext) if fontpaths else []
    fm.fontManager = fm.FontManager()  # before pyplot and the Agg backend import it
    import matplotlib.pyplot as plt
    import matplotlib.backends.backend_agg as agg
    assert agg._fontManager is fm.fontManager
    from nst_helpers.book import display
    assert not set(display.CJK_FONTS) & {f.name for f in fm.fontManager.ttflist}, "a system CJK font is visible"
    if os.environ["REGISTER"] == "1":
        name = display.use_cjk_font()
        print("font:", name)
        print("file:", fm.fontManager.findfont(fm.FontProperties(family=[name]), fallback_to_default=False))
    else:
        matplotlib.rcParams["font.family"] = "sans-serif"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title("风格迁移：内容损失与风格损失")
        ax.set_xlabel("优化步数")
        fig.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    print("missing glyphs:", len(missing))
    """
)


def _render(register: bool, tmp_path) -> str:
    env = {"REGISTER": "1" if register else "0", "MPLCONFIGDIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_chinese_labels_render_with_the_packaged_font(tmp_path):
    out = _render(True, tmp_path)
    assert "font: Noto Sans CJK SC" in out and "missing glyphs: 0" in out, out
    assert "mpl_font/fonts/noto/NotoSansCJKsc-Regular.otf" in out, out  # the packaged file, not a system one


def test_without_it_the_same_labels_miss_glyphs(tmp_path):
    out = _render(False, tmp_path)
    assert "missing glyphs: 0" not in out, out
    assert "missing glyphs:" in out

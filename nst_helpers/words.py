"""The words the package itself puts in front of a reader (backbone names, notes, image titles, figure captions),
in each edition's language. ``setup(lang)`` (chapter 00) chooses the edition; everything else reads it here.

Chapter: 00.
"""

from __future__ import annotations

from .editions import LANGS, edition

_current = "en"

#: Reader-facing texts by key, one per edition; the English one is the fallback.
TEXTS: dict[str, dict[str, str]] = {
    "backbone.vgg19": {"en": "VGG19 (ImageNet)", "vi": "VGG19 (ImageNet)", "zh": "VGG19（ImageNet）"},
    "backbone.vgg16-hed": {
        "en": "VGG16-HED (offline backbone)",
        "vi": "VGG16-HED (mạng xương sống ngoại tuyến)",
        "zh": "VGG16-HED（离线主干网络）",
    },
    "note.vgg16-hed": {
        "en": "made with the offline backbone (VGG16 fine-tuned for edge detection), not ImageNet VGG19",
        "vi": "được tạo bằng mạng xương sống ngoại tuyến (VGG16 đã tinh chỉnh để phát hiện đường biên), "
        "không phải VGG19 huấn luyện trên ImageNet",
        "zh": "由离线主干网络（为边缘检测微调过的 VGG16）生成，而非 ImageNet VGG19",
    },
    "caption": {
        "en": "{label}, {steps} steps, {width}x{height} px{note}",
        "vi": "{label}, {steps} bước, {width}x{height} px{note}",
        "zh": "{label}，{steps} 步，{width}x{height} 像素{note}",
    },
    "caption.note": {"en": "; {note}", "vi": "; {note}", "zh": "；{note}"},
    "caption.size": {
        "en": "{steps} steps, {width}x{height} px",
        "vi": "{steps} bước, {width}x{height} px",
        "zh": "{steps} 步，{width}x{height} 像素",
    },
    "credit.via": {"en": "{who}, via {where}", "vi": "{who}, qua {where}", "zh": "{who}，来自 {where}"},
    "licence.public domain": {"en": "public domain", "vi": "phạm vi công cộng", "zh": "公有领域"},
    "licence.GFDL or CC BY 3.0": {
        "en": "GFDL or CC BY 3.0",
        "vi": "GFDL hoặc CC BY 3.0",
        "zh": "GFDL 或 CC BY 3.0",
    },
    "setup": {
        "en": "TensorFlow {version}, {device}; mode: {mode} ({size} px, {steps} steps)",
        "vi": "TensorFlow {version}, {device}; chế độ: {mode} ({size} px, {steps} bước)",
        "zh": "TensorFlow {version}，{device}；模式：{mode}（{size} 像素，{steps} 步）",
    },
    "setup.gpu": {"en": "GPU: {name}", "vi": "GPU: {name}", "zh": "GPU：{name}"},
    "setup.cpu": {"en": "no GPU (CPU only)", "vi": "không có GPU (chỉ CPU)", "zh": "无 GPU（仅 CPU）"},
    "setup.no_cjk_font": {
        "en": "No Chinese font found, so Chinese figure labels will show as empty boxes. "
        "Install the font package with: pip install mpl-font (then restart the kernel).",
        "vi": "Không tìm thấy phông chữ tiếng Trung, nên nhãn tiếng Trung trên hình sẽ hiện thành ô vuông trống. "
        "Hãy cài gói phông chữ bằng lệnh: pip install mpl-font (rồi khởi động lại kernel).",
        "zh": "未找到中文字体，图中的中文标签将显示为空白方框。请用 pip install mpl-font 安装字体包（然后重启内核）。",
    },
    "sample.turtle": {
        "en": "Green sea turtle grazing seagrass",
        "vi": "Vích (rùa biển xanh) gặm cỏ biển",
        "zh": "啃食海草的绿海龟",
    },
    "sample.great_wave": {
        "en": "The Great Wave off Kanagawa (Katsushika Hokusai)",
        "vi": "Sóng lừng ngoài khơi Kanagawa (Katsushika Hokusai)",
        "zh": "神奈川冲浪里（葛饰北斋）",
    },
    "sample.kandinsky": {
        "en": "Composition VII (Vassily Kandinsky, 1913)",
        "vi": "Bố cục VII (Vassily Kandinsky, 1913)",
        "zh": "构图第七号（瓦西里·康定斯基，1913）",
    },
    "sample.tuebingen": {
        "en": "Tübingen, Neckarfront",
        "vi": "Tübingen, bờ sông Neckar",
        "zh": "图宾根，内卡河畔",
    },
    "sample.pillars": {
        "en": "Pillars of Creation (Hubble, 2014)",
        "vi": "Những cột trụ của sự sáng tạo (Hubble, 2014)",
        "zh": "创生之柱（哈勃，2014）",
    },
    "sample.starry_night": {
        "en": "The Starry Night (Vincent van Gogh, 1889)",
        "vi": "Đêm đầy sao (Vincent van Gogh, 1889)",
        "zh": "星月夜（文森特·梵高，1889）",
    },
}


def use_edition(code: str) -> None:
    """Make the package's reader-facing words follow edition ``code`` (called by ``setup``)."""
    global _current
    _current = edition(code).code


def current_edition() -> str:
    """The code of the edition whose language the package's words are in now."""
    return _current


def say(key: str, default: str = "", **fields: object) -> str:
    """The text ``key`` in the current edition's language (``default`` for an unknown key), with ``fields``."""
    texts = TEXTS.get(key, {})
    text = texts.get(_current) or texts.get("en") or default
    return text.format(**fields) if fields else text


__all__ = ["LANGS", "TEXTS", "current_edition", "say", "use_edition"]

"""The synthetic visual world: 64x64 scenes of shapes or glyphs, and captions describing them.

A scene is a plain dict of named attributes (what a caption can say about it); `render` draws it and
`captions` describes it. Everything random comes from a numpy Generator passed in, so a seed fixes
both the picture and its words.
"""

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

IMAGE_SIZE = 64

# Saturated object colours, far from the grey-ish backgrounds so that colour is always visible.
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 230),
    "yellow": (240, 215, 40),
    "orange": (250, 140, 20),
    "purple": (140, 50, 190),
    "pink": (250, 130, 200),
    "cyan": (40, 210, 220),
}
SHAPES = ["circle", "square", "triangle", "star", "cross", "diamond", "hexagon", "heart", "ring"]
PLURALS = {s: s + ("es" if s.endswith("s") else "s") for s in SHAPES}
COUNTS = ["one", "two", "three", "four"]
SIZES = ["small", "large"]
POSITIONS = ["left", "right", "top", "bottom", "centre"]
BACKGROUNDS = ["plain", "striped", "dotted", "checkered", "noisy"]
STRIPE_ORIENTATIONS = ["horizontal", "vertical", "diagonal"]
DIGITS = [str(d) for d in range(10)]
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]

FONT_DIR = Path("/usr/share/fonts/truetype")
# Fonts seen in pretraining. Regular and bold faces of three families from each Debian package.
PRETRAIN_FONTS = [
    "dejavu/DejaVuSans.ttf",
    "dejavu/DejaVuSans-Bold.ttf",
    "dejavu/DejaVuSerif.ttf",
    "dejavu/DejaVuSansMono.ttf",
    "liberation/LiberationSans-Regular.ttf",
    "liberation/LiberationSerif-Bold.ttf",
    "liberation/LiberationMono-Regular.ttf",
    "freefont/FreeSans.ttf",
    "freefont/FreeMonoBold.ttf",
]
# Held back from pretraining: italic serif and narrow faces look different enough to be a real shift.
HELDOUT_FONTS = [
    "freefont/FreeSerifItalic.ttf",
    "freefont/FreeSerifBold.ttf",
    "liberation/LiberationSansNarrow-Italic.ttf",
    "dejavu/DejaVuSerifCondensed-BoldItalic.ttf",
]

# Object radius in pixels per size word; large objects must still fit four to an image.
RADIUS = {"small": (5, 7), "large": (10, 13)}
POSITION_CENTRES = {"left": (14, 32), "right": (50, 32), "top": (32, 14), "bottom": (32, 50), "centre": (32, 32)}


def sample_scene(rng, **fixed):
    """Draw a scene's attributes; any attribute given in `fixed` is kept as given."""
    kind = fixed.get("kind") or rng.choice(["shapes", "shapes", "shapes", "digit", "letter"])
    scene = {"kind": kind, "background": str(rng.choice(BACKGROUNDS, p=[0.3, 0.2, 0.15, 0.15, 0.2]))}
    scene["stripes"] = str(rng.choice(STRIPE_ORIENTATIONS))
    scene["colour"] = str(rng.choice(list(COLOURS)))
    if kind == "shapes":
        scene["shape"] = str(rng.choice(SHAPES))
        scene["count"] = str(rng.choice(COUNTS))
        scene["size"] = str(rng.choice(SIZES))
        scene["position"] = str(rng.choice(POSITIONS))
    else:
        scene["glyph"] = str(rng.choice(DIGITS if kind == "digit" else LETTERS))
        scene["font"] = str(rng.choice(PRETRAIN_FONTS))
    scene.update(fixed)
    if scene["background"] != "striped":
        scene["stripes"] = None
    if kind == "shapes" and scene["count"] != "one":
        scene["position"] = None  # several objects are scattered; a position word would be a lie
    return scene


# --- rendering --------------------------------------------------------------------------------------------------


def _jitter(rng, rgb, amount):
    return tuple(int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255)) for c in rgb)


def _background(rng, scene):
    """(64,64,3) uint8: two low-saturation tones combined by the pattern."""
    base = rng.integers(60, 200)
    tone_a = np.clip(base + rng.integers(-12, 13, size=3), 0, 255)
    tone_b = np.clip(tone_a + rng.choice([-1, 1]) * rng.integers(40, 60), 0, 255)
    y, x = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE]
    pattern = scene["background"]
    if pattern == "plain":
        mask = np.zeros_like(x, dtype=bool)
    elif pattern == "striped":
        period = int(rng.integers(6, 12))
        coord = {"horizontal": y, "vertical": x, "diagonal": x + y}[scene["stripes"]] + rng.integers(0, period)
        mask = (coord % period) < period // 2
    elif pattern == "dotted":
        spacing = int(rng.integers(7, 11))
        oy, ox = rng.integers(0, spacing, size=2)
        dy = (y + oy) % spacing - spacing / 2
        dx = (x + ox) % spacing - spacing / 2
        mask = dy * dy + dx * dx <= (spacing / 4) ** 2
    elif pattern == "checkered":
        cell = int(rng.integers(5, 10))
        mask = ((x // cell + y // cell) % 2) == 1
    else:  # noisy: per-pixel grey noise, the one pattern that survives no compression
        noise = rng.normal(0, 28, size=(IMAGE_SIZE, IMAGE_SIZE, 1))
        return np.clip(tone_a + noise, 0, 255).astype(np.uint8)
    return np.where(mask[..., None], tone_b, tone_a).astype(np.uint8)


def _polygon(shape, cx, cy, r, angle):
    """Vertices of a polygonal shape of radius r centred at (cx, cy), rotated by angle (radians)."""
    if shape == "square":
        t = np.pi / 4 + np.arange(4) * np.pi / 2
        pts = np.stack([np.cos(t), np.sin(t)], 1) * r
    elif shape == "diamond":  # a tall rhombus, so it is not just a rotated square
        pts = np.array([[0, -1.15], [0.7, 0], [0, 1.15], [-0.7, 0]]) * r
    elif shape == "triangle":
        t = -np.pi / 2 + np.arange(3) * 2 * np.pi / 3
        pts = np.stack([np.cos(t), np.sin(t)], 1) * r * 1.1 + [0, r * 0.2]
    elif shape == "star":
        t = -np.pi / 2 + np.arange(10) * np.pi / 5
        rad = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
        pts = np.stack([np.cos(t), np.sin(t)], 1) * (rad * r * 1.1)[:, None]
    elif shape == "hexagon":
        t = np.arange(6) * np.pi / 3
        pts = np.stack([np.cos(t), np.sin(t)], 1) * r
    elif shape == "cross":
        a, b = 1.0, 0.34
        pts = np.array([[-b, -a], [b, -a], [b, -b], [a, -b], [a, b], [b, b], [b, a], [-b, a], [-b, b], [-a, b],
                        [-a, -b], [-b, -b]]) * r
    elif shape == "heart":
        t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
        pts = np.stack([16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))],
                       1) * (r / 16.0) + [0, -r * 0.1]
    else:
        raise ValueError(shape)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    pts = pts @ rot.T + [cx, cy]
    return [tuple(p) for p in pts]


def _draw_shape(draw, shape, cx, cy, r, angle, rgb):
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=rgb)
    elif shape == "ring":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=rgb, width=max(2, int(r * 0.35)))
    else:
        draw.polygon(_polygon(shape, cx, cy, r, angle), fill=rgb)


def _centres(rng, scene, r):
    """Non-overlapping object centres: at the named position for one object, scattered otherwise."""
    n = COUNTS.index(scene["count"]) + 1
    if n == 1:
        px, py = POSITION_CENTRES[scene["position"]]
        return [(px + rng.uniform(-3, 3), py + rng.uniform(-3, 3))]
    for _ in range(200):
        pts = rng.uniform(r + 1, IMAGE_SIZE - r - 1, size=(n, 2))
        gaps = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(n) * 1e9
        if gaps.min() > 2 * r + 2:
            return [tuple(p) for p in pts]
    # Crowded draws fall back to the four quadrants, which always fit.
    quads = np.array([[16, 16], [48, 16], [16, 48], [48, 48]], dtype=float)
    return [tuple(p) for p in quads[rng.permutation(4)[:n]]]


@lru_cache(maxsize=256)
def _font(path, size):
    return ImageFont.truetype(str(FONT_DIR / path), size)


def render(scene, rng):
    """(64,64,3) uint8 picture of the scene."""
    img = Image.fromarray(_background(rng, scene))
    draw = ImageDraw.Draw(img)
    rgb = _jitter(rng, COLOURS[scene["colour"]], 15)
    if scene["kind"] == "shapes":
        r = float(rng.uniform(*RADIUS[scene["size"]]))
        for cx, cy in _centres(rng, scene, r):
            angle = rng.uniform(-0.25, 0.25)
            _draw_shape(draw, scene["shape"], cx, cy, r, angle, rgb)
    else:
        font = _font(scene["font"], int(rng.integers(30, 46)))
        text = scene["glyph"].upper() if scene["kind"] == "letter" else scene["glyph"]
        cx, cy = 32 + rng.uniform(-6, 6), 32 + rng.uniform(-6, 6)
        draw.text((cx, cy), text, fill=rgb, font=font, anchor="mm")
    return np.asarray(img, dtype=np.uint8)


# --- captions ---------------------------------------------------------------------------------------------------

OPENERS = ["a photo of", "a picture of", "an image of", "a drawing of", "a rendering of", "there is", ""]
SYNONYMS = {"large": ["large", "big"], "small": ["small", "little"], "centre": ["centre", "middle"]}


def _word(rng, word):
    return str(rng.choice(SYNONYMS.get(word, [word])))


def _background_phrase(rng, scene):
    if scene["background"] == "striped" and rng.random() < 0.5:
        return f"on a background of {scene['stripes']} stripes"
    return f"on a {scene['background']} background"


def _article(phrase):
    return "an" if phrase[:1] in "aeiou" else "a"


def _shape_caption(rng, scene, parts):
    n = scene["count"]
    noun = scene["shape"] if n == "one" else PLURALS[scene["shape"]]
    words = []
    if "count" in parts or n != "one":
        words.append(n)
    if "size" in parts:
        words.append(_word(rng, scene["size"]))
    if "colour" in parts:
        words.append(scene["colour"])
    words.append(noun if "shape" in parts else ("object" if n == "one" else "objects"))
    phrase = " ".join(words)
    if words[0] != n:
        phrase = f"{_article(phrase)} {phrase}"
    if "position" in parts and scene["position"]:
        phrase += f" at the {_word(rng, scene['position'])}"
    if "background" in parts:
        phrase += " " + _background_phrase(rng, scene)
    return phrase


def _glyph_caption(rng, scene, parts):
    noun = f"{'digit' if scene['kind'] == 'digit' else 'letter'} {scene['glyph']}"
    if "colour" in parts and rng.random() < 0.5:
        phrase = f"the {noun} in {scene['colour']}"
    elif "colour" in parts:
        phrase = f"{_article(scene['colour'])} {scene['colour']} {noun}"
    else:
        phrase = f"the {noun}"
    if "background" in parts:
        phrase += " " + _background_phrase(rng, scene)
    return phrase


def _single_attribute_caption(rng, scene):
    """Captions naming one attribute only: they teach each word on its own, as class names are used."""
    options = [f"something {scene['colour']}", f"a {scene['colour']} thing", f"the colour {scene['colour']}"]
    options.append(f"a {scene['background']} background")
    if scene["kind"] == "shapes":
        options += [f"a {scene['shape']}", f"{scene['count']} " + ("object" if scene["count"] == "one" else "objects")]
        options += [f"{_word(rng, scene['size'])} " + ("object" if scene["count"] == "one" else "objects")]
        if scene["position"]:
            options.append(f"an object at the {_word(rng, scene['position'])}")
    else:
        options += [f"the {'digit' if scene['kind'] == 'digit' else 'letter'} {scene['glyph']}"] * 2
    return str(rng.choice(options))


def captions(scene, rng, n=4):
    """n different descriptions: one full, some partial, one naming a single attribute."""
    if scene["kind"] == "shapes":
        attrs = ["count", "size", "colour", "shape", "position", "background"]
        make = _shape_caption
    else:
        attrs = ["colour", "background"]
        make = _glyph_caption
    out = [make(rng, scene, set(attrs))]
    while len(out) < n - 1:
        keep = {a for a in attrs if rng.random() < 0.5} | ({"shape"} if rng.random() < 0.6 else set())
        out.append(make(rng, scene, keep))
    out.append(_single_attribute_caption(rng, scene))
    opened = []
    for text in out:
        opener = str(rng.choice(OPENERS))
        opened.append(f"{opener} {text}".strip())
    return opened


def all_caption_words():
    """Every word the world can say, so the tokenizer never meets an unseen word in a class name."""
    words = set(" ".join(OPENERS).split()) | set(COLOURS) | set(SHAPES) | set(PLURALS.values()) | set(COUNTS)
    words |= set(SIZES) | set(POSITIONS) | set(BACKGROUNDS) | set(STRIPE_ORIENTATIONS) | set(DIGITS) | set(LETTERS)
    for syns in SYNONYMS.values():
        words |= set(syns)
    words |= {"a", "an", "the", "of", "on", "at", "in", "background", "stripes", "digit", "letter", "object",
              "objects", "something", "thing", "colour"}
    return sorted(words)

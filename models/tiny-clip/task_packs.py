"""Downstream few-shot task packs in ImageFolder layout, drawn from the world with seeds unused in pretraining.

    public/tasks/<task>/{train,test}/<class name>/NNN.png   and   public/tasks/index.json

Class folder names are the natural-language names put into prompts ("digit 7", "red circle").
Source tasks are the multitask pool (MVLPT); each target names the sources it is related to.
"""

import json
import shutil
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

import world

# Pretraining draws from default_rng(0); packs use SeedSequence([PACK_SEED, task, class]), a disjoint stream.
PACK_SEED = 2024
TRAIN_PER_CLASS = 16
TEST_PER_CLASS = 20
# Per-pixel noise costs ~10 kB per PNG, so only the tasks about noise draw noisy backgrounds.
CLEAN_BACKGROUNDS = ["plain", "striped", "dotted", "checkered"]


@dataclass
class Task:
    name: str
    title: str
    description: str
    role: str
    classes: dict  # class name -> scene attributes fixed for that class
    shared: dict = field(default_factory=dict)  # attributes fixed for every class
    backgrounds: list = field(default_factory=lambda: CLEAN_BACKGROUNDS)
    related: list = field(default_factory=list)


def _one(**kw):
    return {"kind": "shapes", "count": "one", **kw}


TASKS = [
    Task("shapes", "Shapes", "Which shape is shown? One object of any colour, size and place.", "source",
         {s: {"shape": s} for s in world.SHAPES if s != "ring"}, _one()),
    Task("colours", "Colours", "What colour are the objects? Any shape, count and size.", "source",
         {c: {"colour": c} for c in world.COLOURS}, {"kind": "shapes"}),
    Task("counting", "Counting", "How many objects are there? All of one shape and colour.", "source",
         {c: {"count": c} for c in world.COUNTS}, {"kind": "shapes"}),
    Task("digits", "Digits", "Which digit is written? Fonts seen in pretraining.", "source",
         {f"digit {d}": {"glyph": d} for d in world.DIGITS}, {"kind": "digit"}),
    Task("backgrounds", "Backgrounds", "Which pattern fills the background behind the objects?", "source",
         {f"{b} background": {"background": b} for b in world.BACKGROUNDS}, backgrounds=world.BACKGROUNDS),
    Task("shape-colour", "Coloured shapes", "Colour and shape together: a red circle is not a red star.", "target",
         {f"{c} {s}": {"colour": c, "shape": s} for c in ["red", "blue"] for s in ["circle", "star", "square"]},
         _one(), related=["shapes", "colours"]),
    Task("position", "Position", "Where is the single small object: left, right, top, bottom or centre?", "target",
         {p: {"position": p} for p in world.POSITIONS}, _one(size="small"), related=["shapes", "counting"]),
    Task("object-size", "Size", "Small or large, and which shape.", "target",
         {f"{z} {s}": {"size": z, "shape": s} for s in ["circle", "star", "square"] for z in world.SIZES},
         _one(), related=["shapes"]),
    Task("letters", "Letters", "Which capital letter is written?", "target",
         {f"letter {c}": {"glyph": c} for c in "aekrsx"}, {"kind": "letter"}, related=["digits"]),
    Task("heldout-font-digits", "Digits, unseen fonts", "Digits in italic, narrow and serif fonts held out of "
         "pretraining.", "target", {f"digit {d}": {"glyph": d} for d in world.DIGITS}, {"kind": "digit"},
         related=["digits"]),
    Task("glyph-colours", "Glyph colours", "What colour is the written digit?", "target",
         {c: {"colour": c} for c in ["red", "green", "blue", "yellow", "purple", "pink"]}, {"kind": "digit"},
         related=["colours"]),
    Task("noisy-colours", "Colours in noise", "Colour of small objects on a noisy background.", "target",
         {c: {"colour": c} for c in ["red", "green", "blue", "yellow"]},
         {"kind": "shapes", "size": "small", "background": "noisy"}, backgrounds=["noisy"], related=["colours"]),
    Task("stripes", "Stripe direction", "Which way do the background stripes run (or are there none)?", "target",
         {"horizontal stripes": {"background": "striped", "stripes": "horizontal"},
          "vertical stripes": {"background": "striped", "stripes": "vertical"},
          "diagonal stripes": {"background": "striped", "stripes": "diagonal"},
          "no stripes": {"background": "plain"}}, related=["backgrounds"]),
]


def class_images(task_index, task, class_index, class_name, n):
    """n images of one class; glyph tasks use the held-out fonts when the task says so."""
    rng = np.random.default_rng(np.random.SeedSequence([PACK_SEED, task_index, class_index]))
    fonts = world.HELDOUT_FONTS if task.name == "heldout-font-digits" else world.PRETRAIN_FONTS
    images = []
    for _ in range(n):
        fixed = {"background": str(rng.choice(task.backgrounds)), **task.shared, **task.classes[class_name]}
        if fixed.get("kind") in ("digit", "letter"):
            fixed.setdefault("font", str(rng.choice(fonts)))
        scene = world.sample_scene(rng, **fixed)
        images.append(world.render(scene, rng))
    return images


def write_all(tasks_dir):
    tasks_dir.mkdir(parents=True, exist_ok=True)
    manifest = []
    for t_index, task in enumerate(TASKS):
        task_dir = tasks_dir / task.name
        shutil.rmtree(task_dir, ignore_errors=True)
        for c_index, class_name in enumerate(task.classes):
            images = class_images(t_index, task, c_index, class_name, TRAIN_PER_CLASS + TEST_PER_CLASS)
            for split, chunk in [("train", images[:TRAIN_PER_CLASS]), ("test", images[TRAIN_PER_CLASS:])]:
                out = task_dir / split / class_name
                out.mkdir(parents=True)
                for i, img in enumerate(chunk):
                    Image.fromarray(img).save(out / f"{i:03d}.png", optimize=True)
        manifest.append({"name": task.name, "title": task.title, "description": task.description,
                         "classes": list(task.classes), "role": task.role, "related": task.related,
                         "trainPerClass": TRAIN_PER_CLASS, "testPerClass": TEST_PER_CLASS})
        print(f"packs: {task.name} ({len(task.classes)} classes)")
    (tasks_dir / "index.json").write_text(json.dumps(manifest, indent=2) + "\n")


def load_split(tasks_dir, task_name, split):
    """(images uint8 (N,64,64,3), labels (N,), class names) read back from the PNGs, as the browser will."""
    manifest = {t["name"]: t for t in json.loads((tasks_dir / "index.json").read_text())}
    classes = manifest[task_name]["classes"]
    images, labels = [], []
    for label, class_name in enumerate(classes):
        for path in sorted((tasks_dir / task_name / split / class_name).glob("*.png")):
            images.append(np.asarray(Image.open(path).convert("RGB")))
            labels.append(label)
    return np.stack(images), np.array(labels), classes

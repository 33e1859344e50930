"""Golden tensors from PyTorch for the TypeScript engine's parity tests (see fixtures/README.md).

The reference here is written independently of the engine under test: plain torch autograd on the
same module definitions that produced the exported weights.
"""

import json
import shutil

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

import safetensors_io
import task_packs
import world
from evaluate import class_text_features
from pretrain import IMAGE_MEAN, IMAGE_STD, to_pixel_values

CAPTIONS = [
    "a photo of a red circle.",
    "the digit 7 in green",
    "a picture of a blue star at the left",
    "a photo of two small red circles on a striped background",
    "  Hello,   WORLD!! it's X X X X heart.",
    "a photo of four large purple hexagons on a background of diagonal stripes at the centre with "
    "many more words than fit into thirty two tokens",
]
# Fixture images: one test image from each of these packs (class index, image index).
IMAGE_SOURCES = [("shapes", 3, 0), ("digits", 7, 0), ("noisy-colours", 2, 0), ("stripes", 1, 0)]
COOP_TASK, COOP_CLASSES, BATCH = "shapes", 5, 8
N_CTX, CTX_INIT = 4, "a photo of a"
VPT_PROMPTS, VPT_SEED = 4, 7


def _pack_image(tasks_dir, task, class_index, image_index):
    manifest = {t["name"]: t for t in json.loads((tasks_dir / "index.json").read_text())}
    class_name = manifest[task]["classes"][class_index]
    return tasks_dir / task / "test" / class_name / f"{image_index:03d}.png"


def pil_preprocess(path, size):
    """CLIPImageProcessor on one file: RGB, bicubic resize of the shortest edge, centre crop, rescale, normalise."""
    img = Image.open(path).convert("RGB")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    new_w, new_h = (size, new_long) if w <= h else (new_long, size)
    img = img.resize((new_w, new_h), resample=Image.BICUBIC)
    top, left = (new_h - size) // 2, (new_w - size) // 2
    img = img.crop((left, top, left + size, top + size))
    x = np.asarray(img, dtype=np.float32) * (1 / 255)
    x = (x - np.array(IMAGE_MEAN, dtype=np.float32)) / np.array(IMAGE_STD, dtype=np.float32)
    return torch.from_numpy(x.transpose(2, 0, 1).copy())[None]


def write_tokenizer_cases(tokenizer, tasks_dir, out_dir, n_captions=200):
    """Texts and the ids our Python BPE gives them (unpadded, with start/end tokens): check_tokenizer.mjs
    verifies that @huggingface/tokenizers agrees on tokenizer.json."""
    rng = np.random.default_rng(np.random.SeedSequence([task_packs.PACK_SEED, 999]))
    texts = list(CAPTIONS)
    while len(texts) < n_captions:
        texts += world.captions(world.sample_scene(rng), rng)
    manifest = json.loads((tasks_dir / "index.json").read_text())
    texts += [c for t in manifest for c in t["classes"]] + [f"a photo of a {c}." for t in manifest
                                                            for c in t["classes"]]
    cases = [{"text": t, "input_ids": tokenizer.encode(t)} for t in texts]
    (out_dir / "tokenizer_cases.json").write_text(json.dumps(cases, indent=0) + "\n")


@torch.no_grad()
def write_embeddings(model, tokenizer, tasks_dir, out_dir):
    ctx_len = model.config.text.max_position_embeddings
    input_ids = torch.tensor([tokenizer.encode(c, ctx_len) for c in CAPTIONS])
    text_last, text_pooled = model.text_model(input_ids)
    images_dir = out_dir / "images"
    images_dir.mkdir()
    for i, source in enumerate(IMAGE_SOURCES):
        shutil.copy(_pack_image(tasks_dir, *source), images_dir / f"{i}.png")
    pngs = [images_dir / f"{i}.png" for i in range(len(IMAGE_SOURCES))]
    raw = np.stack([np.asarray(Image.open(p).convert("RGB")) for p in pngs])
    pixel_values = to_pixel_values(raw)
    pil_pixel_values = torch.cat([pil_preprocess(p, 64) for p in pngs])
    # One non-square, larger image exercises resize + centre crop (bicubic: expect small differences).
    resize_src = Image.fromarray(raw[0]).resize((80, 100), resample=Image.BICUBIC)
    resize_src.save(images_dir / "resize_80x100.png")
    image_last, image_pooled = model.vision_model(pixel_values)
    safetensors_io.save(out_dir / "embeddings.safetensors", {
        "input_ids": input_ids,
        "text_last_hidden_state": text_last,
        "text_embeds": model.text_projection(text_pooled),
        "pixel_values": pixel_values,
        "pil_pixel_values": pil_pixel_values,
        "resize_pixel_values": pil_preprocess(images_dir / "resize_80x100.png", 64),
        "image_last_hidden_state": image_last,
        "image_embeds": model.visual_projection(image_pooled),
    })


def _fixed_batch(tasks_dir, n_classes):
    """BATCH test images of the first n_classes classes of COOP_TASK, labels cycling through the classes."""
    images, labels, classes = task_packs.load_split(tasks_dir, COOP_TASK, "test")
    picks = [int(np.flatnonzero(labels == i % n_classes)[i // n_classes]) for i in range(BATCH)]
    return to_pixel_values(images[picks]), torch.from_numpy(labels[picks]), classes[:n_classes]


def _logits_and_loss(model, image_features, text_features, labels):
    logits = model.logit_scale.exp() * F.normalize(image_features, dim=-1) @ F.normalize(text_features, dim=-1).t()
    return logits, F.cross_entropy(logits, labels)


def write_coop(model, tokenizer, tasks_dir, out_dir):
    """CoOp: 4 shared context vectors replace the "X X X X" placeholders in "X X X X {class}."."""
    ctx_len = model.config.text.max_position_embeddings
    pixel_values, labels, classes = _fixed_batch(tasks_dir, COOP_CLASSES)
    init_ids = torch.tensor([tokenizer.encode(CTX_INIT, ctx_len)])
    assert int(init_ids.argmax()) == N_CTX + 1, "the context init must be exactly N_CTX tokens"
    token_embedding = model.text_model.embeddings.token_embedding
    ctx = token_embedding(init_ids)[0, 1:1 + N_CTX].detach().clone().requires_grad_(True)
    input_ids = torch.tensor([tokenizer.encode(" ".join(["X"] * N_CTX) + f" {c}.", ctx_len) for c in classes])
    with torch.no_grad():
        prompt_tokens = token_embedding(input_ids)
        image_embeds = model.get_image_features(pixel_values)
    k = len(classes)
    prompts = torch.cat([prompt_tokens[:, :1], ctx.expand(k, -1, -1), prompt_tokens[:, 1 + N_CTX:]], dim=1)
    text_features = model.text_projection(model.text_model(input_ids, inputs_embeds=prompts)[1])
    logits, loss = _logits_and_loss(model, image_embeds, text_features, labels)
    loss.backward()
    safetensors_io.save(out_dir / "coop_grad.safetensors", {
        "prompt_learner.ctx": ctx,
        "input_ids": input_ids,
        "labels": labels,
        "pixel_values": pixel_values,
        "image_embeds": image_embeds,
        "text_features": text_features,
        "logit_scale": model.logit_scale,
        "logits": logits,
        "loss": loss,
        "grad.prompt_learner.ctx": ctx.grad,
    }, metadata={"classes": json.dumps(classes), "ctx_init": CTX_INIT})


def vpt_deep_image_features(model, pixel_values, shallow, deep):
    """VPT-deep on the vision tower. Prompts enter after embeddings + pre_layrnorm, between CLS and patches:
    x = [cls, P_0, patches]; before layer i >= 1 the prompt outputs of layer i-1 are replaced by deep[i-1]."""
    vision = model.vision_model
    x = vision.pre_layrnorm(vision.embeddings(pixel_values))
    b, p = x.shape[0], shallow.shape[1]
    x = torch.cat([x[:, :1], shallow.expand(b, -1, -1), x[:, 1:]], dim=1)
    for i, layer in enumerate(vision.encoder.layers):
        if i > 0:
            x = torch.cat([x[:, :1], deep[i - 1].expand(b, -1, -1), x[:, 1 + p:]], dim=1)
        x = layer(x)
    return model.visual_projection(vision.post_layernorm(x[:, 0]))


def write_vpt_deep(model, tokenizer, tasks_dir, out_dir):
    cfg = model.config.vision
    pixel_values, labels, classes = _fixed_batch(tasks_dir, COOP_CLASSES)
    # VPT's init: uniform with the Xavier bound of the patch projection (fan-in 3*p*p, fan-out hidden).
    bound = (6.0 / (cfg.num_channels * cfg.patch_size ** 2 + cfg.hidden_size)) ** 0.5
    gen = torch.Generator().manual_seed(VPT_SEED)
    shallow = (torch.rand(1, VPT_PROMPTS, cfg.hidden_size, generator=gen) * 2 - 1) * bound
    deep = (torch.rand(cfg.num_hidden_layers - 1, VPT_PROMPTS, cfg.hidden_size, generator=gen) * 2 - 1) * bound
    shallow.requires_grad_(True)
    deep.requires_grad_(True)
    text_features = class_text_features(model, tokenizer, classes)
    image_embeds = vpt_deep_image_features(model, pixel_values, shallow, deep)
    logits, loss = _logits_and_loss(model, image_embeds, text_features, labels)
    loss.backward()
    safetensors_io.save(out_dir / "vpt_deep_grad.safetensors", {
        "vpt_embeddings": shallow,
        "vpt_embeddings_deep": deep,
        "pixel_values": pixel_values,
        "labels": labels,
        "text_features": text_features,
        "image_embeds": image_embeds,
        "logit_scale": model.logit_scale,
        "logits": logits,
        "loss": loss,
        "grad.vpt_embeddings": shallow.grad,
        "grad.vpt_embeddings_deep": deep.grad,
    }, metadata={"classes": json.dumps(classes), "template": "a photo of a {}."})


def write_all(model, tokenizer, tasks_dir, out_dir):
    readme = (out_dir / "README.md").read_text() if (out_dir / "README.md").exists() else None
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    if readme is not None:
        (out_dir / "README.md").write_text(readme)  # hand-written, kept across rebuilds
    for p in model.parameters():
        p.requires_grad_(False)  # the model is frozen; only prompts get gradients
    write_tokenizer_cases(tokenizer, tasks_dir, out_dir)
    write_embeddings(model, tokenizer, tasks_dir, out_dir)
    write_coop(model, tokenizer, tasks_dir, out_dir)
    write_vpt_deep(model, tokenizer, tasks_dir, out_dir)
    total = sum(f.stat().st_size for f in out_dir.rglob("*") if f.is_file())
    print(f"fixtures: {total / 1e6:.2f} MB in {out_dir}")

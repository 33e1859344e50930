"""Contrastive pretraining of the tiny CLIP on the synthetic world (symmetric InfoNCE, as in CLIP)."""

import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import world

IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]  # OpenAI CLIP's, also written to preprocessor_config.json
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]
CAPTIONS_PER_IMAGE = 4


def build_dataset(n_images, seed):
    """(n,64,64,3) uint8 images and n lists of captions, from one seeded stream."""
    rng = np.random.default_rng(seed)
    images = np.empty((n_images, world.IMAGE_SIZE, world.IMAGE_SIZE, 3), dtype=np.uint8)
    texts = []
    for i in range(n_images):
        scene = world.sample_scene(rng)
        images[i] = world.render(scene, rng)
        texts.append(world.captions(scene, rng, CAPTIONS_PER_IMAGE))
    return images, texts


def tokenize_captions(tokenizer, texts, context_length):
    """(n, captions, context_length) int64; captions repeat a lot, so each distinct one is encoded once."""
    cache = {}
    ids = np.empty((len(texts), len(texts[0]), context_length), dtype=np.int64)
    for i, caps in enumerate(texts):
        for j, c in enumerate(caps):
            if c not in cache:
                cache[c] = tokenizer.encode(c, context_length)
            ids[i, j] = cache[c]
    return ids


def to_pixel_values(images_uint8):
    """(B,H,W,3) uint8 -> (B,3,H,W) float32 normalised as CLIPImageProcessor does (images are already 64x64)."""
    x = torch.from_numpy(images_uint8).permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGE_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def clip_loss(model, pixel_values, input_ids):
    image = F.normalize(model.get_image_features(pixel_values), dim=-1)
    text = F.normalize(model.get_text_features(input_ids), dim=-1)
    logits = model.logit_scale.exp() * image @ text.t()
    target = torch.arange(len(logits))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def param_groups(model, weight_decay):
    """Decay the layers' weight matrices; norms, biases, all embeddings and the temperature are not decayed."""
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "embedding" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "embedding" not in n)]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]


def train(model, images, caption_ids, steps, batch_size, seed, log_file, peak_lr=1e-3, weight_decay=0.1):
    """Returns the loss curve [(step, mean loss since previous point)] and the wall time in seconds."""
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(param_groups(model, weight_decay), lr=peak_lr, betas=(0.9, 0.98), eps=1e-6)
    warmup = max(1, steps // 20)
    n = len(images)
    order = rng.permutation(n)
    cursor = 0
    curve, window = [], []
    start = time.time()
    model.train()
    for step in range(steps):
        if cursor + batch_size > n:
            order, cursor = rng.permutation(n), 0
        idx = np.sort(order[cursor:cursor + batch_size])
        cursor += batch_size
        ids = caption_ids[idx, rng.integers(0, caption_ids.shape[1], size=batch_size)]
        # Positions after the first end-of-text never influence the pooled output (causal mask): drop them.
        length = int(ids.argmax(axis=1).max()) + 1
        loss = clip_loss(model, to_pixel_values(images[idx]), torch.from_numpy(ids[:, :length]))
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, steps, peak_lr, warmup)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))  # CLIP's cap on the temperature
        window.append(loss.item())
        if (step + 1) % 25 == 0 or step + 1 == steps:
            curve.append((step + 1, float(np.mean(window))))
            window = []
            line = (f"step {step + 1}/{steps} loss {curve[-1][1]:.4f} lr {lr_at(step, steps, peak_lr, warmup):.2e} "
                    f"scale {model.logit_scale.exp().item():.1f} elapsed {time.time() - start:.0f}s")
            print(line, flush=True)
            log_file.write(line + "\n")
            log_file.flush()
    model.eval()
    return curve, time.time() - start


def save_curve(path, curve, seconds, extra):
    path.write_text(json.dumps({"curve": curve, "seconds": seconds, **extra}, indent=1))

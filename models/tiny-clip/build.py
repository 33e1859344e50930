"""Builds the embedded tiny CLIP and everything derived from it. One command rebuilds all:

    /usr/bin/python3 models/tiny-clip/build.py --stage all

Stages (each reuses what earlier ones left in models/tiny-clip/.cache/):
    world     pretraining images + captions (cached), BPE tokenizer (tokenizer*.json, committed)
    pretrain  contrastive pretraining -> .cache/pretrained.pt, .cache/pretrain_curve.json
    export    config.json, preprocessor_config.json, model.safetensors, onnx/{text,vision}_model.onnx
    packs     downstream task packs -> public/tasks/<task>/{train,test}/<class>/NNN.png + index.json
    evaluate  zero-shot accuracy of the exported model on every pack -> REPORT.md
    fixtures  golden parity tensors -> fixtures/*.safetensors
    vitb32-random  (not in `all`) random ViT-B/32-shaped CLIP, 2 layers per tower, exported to --out DIR
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bpe  # noqa: E402
import clip_model  # noqa: E402

REPO = HERE.parent.parent
CACHE = HERE / ".cache"
TASKS_DIR = REPO / "public" / "tasks"
CONTEXT_LENGTH = 32
MAX_VOCAB = 2048

# Pretraining recipe. Steps were chosen from a measured 1.6 s/step (batch 256, 2 threads, OpenBLAS) to fit
# about 35 minutes on the 2-core build machine.
PRETRAIN_SEED = 0
PRETRAIN_IMAGES = 100_000
PRETRAIN_STEPS = 1200
BATCH_SIZE = 256
PEAK_LR = 7e-4


def setup_torch(seed):
    torch.set_num_threads(2)  # fixed, because CPU reductions may differ with the thread count
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def load_tokenizer(directory=HERE):
    return bpe.Tokenizer.from_hf_json(json.loads((directory / "tokenizer.json").read_text()))


def load_pretrained():
    tokenizer = load_tokenizer()
    model = clip_model.CLIPModel(clip_model.tiny_config(tokenizer.vocab_size))
    model.load_state_dict(torch.load(CACHE / "pretrained.pt"))
    model.eval()
    return model, tokenizer


def stage_world():
    import pretrain
    import world

    CACHE.mkdir(exist_ok=True)
    images_path, captions_path = CACHE / "images.npy", CACHE / "captions.json"
    if images_path.exists() and captions_path.exists():
        print("world: reusing cached dataset")
        texts = json.loads(captions_path.read_text())
    else:
        start = time.time()
        images, texts = pretrain.build_dataset(PRETRAIN_IMAGES, PRETRAIN_SEED)
        np.save(images_path, images)
        captions_path.write_text(json.dumps(texts))
        print(f"world: {len(images)} images in {time.time() - start:.0f}s")
    # The word list guarantees every class-name word is in the vocabulary as one token path.
    corpus = [c for caps in texts for c in caps] + world.all_caption_words()
    tokenizer = bpe.train(corpus, MAX_VOCAB)
    bpe.save(tokenizer, HERE, CONTEXT_LENGTH)
    print(f"world: tokenizer with {tokenizer.vocab_size} tokens ({len(tokenizer.merges)} merges)")


def stage_pretrain():
    import pretrain

    setup_torch(PRETRAIN_SEED)
    tokenizer = load_tokenizer()
    images = np.load(CACHE / "images.npy")
    texts = json.loads((CACHE / "captions.json").read_text())
    caption_ids = pretrain.tokenize_captions(tokenizer, texts, CONTEXT_LENGTH)
    model = clip_model.CLIPModel(clip_model.tiny_config(tokenizer.vocab_size))
    with open(CACHE / "pretrain.log", "w") as log:
        curve, seconds = pretrain.train(model, images, caption_ids, PRETRAIN_STEPS, BATCH_SIZE, PRETRAIN_SEED, log,
                                        peak_lr=PEAK_LR)
    torch.save(model.state_dict(), CACHE / "pretrained.pt")
    pretrain.save_curve(CACHE / "pretrain_curve.json", curve, seconds,
                        {"images": len(images), "captions_per_image": caption_ids.shape[1], "steps": PRETRAIN_STEPS,
                         "batch_size": BATCH_SIZE, "peak_lr": PEAK_LR})
    print(f"pretrain: {PRETRAIN_STEPS} steps in {seconds / 60:.1f} min, final loss {curve[-1][1]:.3f}")


def stage_export():
    import export_hub

    model, tokenizer = load_pretrained()
    export_hub.export(model, tokenizer, HERE, CONTEXT_LENGTH)


def stage_packs():
    import task_packs

    task_packs.write_all(TASKS_DIR)


def stage_evaluate():
    import evaluate

    model, tokenizer = load_pretrained()
    evaluate.write_report(model, tokenizer, TASKS_DIR, CACHE / "pretrain_curve.json", HERE / "REPORT.md")


def stage_fixtures():
    import fixtures

    setup_torch(1234)
    model, tokenizer = load_pretrained()
    fixtures.write_all(model, tokenizer, TASKS_DIR, HERE / "fixtures")


def stage_vitb32_random(out_dir):
    import export_hub

    setup_torch(32)
    tokenizer = load_tokenizer()
    model = clip_model.CLIPModel(clip_model.vitb32_config(num_hidden_layers=2)).eval()
    export_hub.export(model, tokenizer, out_dir, context_length=77)


STAGES = {"world": stage_world, "pretrain": stage_pretrain, "export": stage_export, "packs": stage_packs,
          "evaluate": stage_evaluate, "fixtures": stage_fixtures}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=[*STAGES, "all", "vitb32-random"], default="all")
    parser.add_argument("--out", type=Path, help="output directory for --stage vitb32-random")
    parser.add_argument("--retrain", action="store_true", help="pretrain even if .cache/pretrained.pt exists")
    args = parser.parse_args()
    if args.stage == "vitb32-random":
        if args.out is None:
            parser.error("--stage vitb32-random needs --out DIR")
        stage_vitb32_random(args.out)
        return
    for name in STAGES if args.stage == "all" else [args.stage]:
        if name == "pretrain" and args.stage == "all" and (CACHE / "pretrained.pt").exists() and not args.retrain:
            print("pretrain: reusing .cache/pretrained.pt (pass --retrain to train again)")
            continue
        start = time.time()
        STAGES[name]()
        print(f"[{name}] done in {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()

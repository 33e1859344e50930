"""Export a CLIPModel in the Hugging Face Hub layout that transformers.js users know.

    config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json,
    model.safetensors (every parameter under its HF name), onnx/text_model.onnx, onnx/vision_model.onnx

The ONNX wrappers keep HF's attribute names (text_model/text_projection, vision_model/visual_projection) so
node names carry the same scopes as Xenova's exports, e.g. /text_model/encoder/layers.0/self_attn/q_proj/MatMul.
"""

import json

import onnx
import torch
from torch import nn

import bpe
import safetensors_io
from pretrain import IMAGE_MEAN, IMAGE_STD

OPSET = 14


class TextModelWithProjection(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.text_model = model.text_model
        self.text_projection = model.text_projection

    def forward(self, input_ids):
        last_hidden_state, pooled = self.text_model(input_ids)
        return self.text_projection(pooled), last_hidden_state


class VisionModelWithProjection(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.vision_model = model.vision_model
        self.visual_projection = model.visual_projection

    def forward(self, pixel_values):
        last_hidden_state, pooled = self.vision_model(pixel_values)
        return self.visual_projection(pooled), last_hidden_state


def preprocessor_config(image_size):
    """CLIPImageProcessor's settings: bicubic resize of the shortest edge, centre crop, rescale, normalise."""
    return {
        "image_processor_type": "CLIPImageProcessor",
        "feature_extractor_type": "CLIPFeatureExtractor",
        "processor_class": "CLIPProcessor",
        "do_resize": True,
        "size": {"shortest_edge": image_size},
        "resample": 3,
        "do_center_crop": True,
        "crop_size": {"height": image_size, "width": image_size},
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": IMAGE_MEAN,
        "image_std": IMAGE_STD,
        "do_convert_rgb": True,
    }


def export_onnx(model, out_dir, context_length):
    onnx_dir = out_dir / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    cfg = model.config
    ids = torch.full((2, context_length), 0, dtype=torch.long)
    ids[:, -1] = cfg.text.vocab_size - 1  # an end-of-text-like largest id, so the pooling index is exercised
    pixels = torch.zeros(2, cfg.vision.num_channels, cfg.vision.image_size, cfg.vision.image_size)
    jobs = [
        (TextModelWithProjection(model), ids, "input_ids", ["text_embeds", "last_hidden_state"], "text_model.onnx",
         {"input_ids": {0: "batch_size", 1: "sequence_length"}, "text_embeds": {0: "batch_size"},
          "last_hidden_state": {0: "batch_size", 1: "sequence_length"}}),
        (VisionModelWithProjection(model), pixels, "pixel_values", ["image_embeds", "last_hidden_state"],
         "vision_model.onnx",
         {"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"},
          "last_hidden_state": {0: "batch_size"}}),
    ]
    for wrapper, example, input_name, output_names, filename, axes in jobs:
        path = onnx_dir / filename
        torch.onnx.export(wrapper.eval(), (example,), str(path), input_names=[input_name], output_names=output_names,
                          dynamic_axes=axes, opset_version=OPSET)
        graph = onnx.load(str(path))
        onnx.checker.check_model(graph)
        matmuls = [n.name for n in graph.graph.node if n.op_type == "MatMul"][:3]
        print(f"export: {filename} ok, {len(graph.graph.node)} nodes, e.g. {matmuls}")


def export(model, tokenizer, out_dir, context_length):
    out_dir.mkdir(parents=True, exist_ok=True)
    config = model.config.to_hf(tokenizer.start_id, tokenizer.end_id, tokenizer.end_id)
    # The trained temperature, as the raw parameter (log scale); HF's logit_scale_init_value is only the init.
    config["logit_scale"] = model.logit_scale.item()
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    preprocessor = preprocessor_config(model.config.vision.image_size)
    (out_dir / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2) + "\n")
    bpe.save(tokenizer, out_dir, context_length)
    safetensors_io.save(out_dir / "model.safetensors", model.state_dict(), metadata={"format": "pt"})
    export_onnx(model, out_dir, context_length)

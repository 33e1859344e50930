"""CLIP in torch with Hugging Face CLIPModel's semantics and exactly its module and parameter names.

transformers is not installed here, so this is written out; the names matter because the safetensors
and ONNX exports are read by code that expects a Hub CLIP.
"""

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class TowerConfig:
    hidden_size: int
    intermediate_size: int
    num_attention_heads: int
    num_hidden_layers: int
    hidden_act: str = "quick_gelu"
    layer_norm_eps: float = 1e-5
    # text only
    vocab_size: int = 0
    max_position_embeddings: int = 0
    # vision only
    image_size: int = 0
    patch_size: int = 0
    num_channels: int = 3


@dataclass
class CLIPConfig:
    text: TowerConfig
    vision: TowerConfig
    projection_dim: int
    logit_scale_init_value: float = math.log(1 / 0.07)

    def to_hf(self, bos_token_id, eos_token_id, pad_token_id):
        """config.json in HF CLIPConfig form (keys a Hub loader reads)."""
        text = {k: v for k, v in asdict(self.text).items() if k not in ("image_size", "patch_size", "num_channels")}
        text.update(bos_token_id=bos_token_id, eos_token_id=eos_token_id, pad_token_id=pad_token_id,
                    projection_dim=self.projection_dim, model_type="clip_text_model", attention_dropout=0.0,
                    initializer_range=0.02, initializer_factor=1.0)
        vision = {k: v for k, v in asdict(self.vision).items() if k not in ("vocab_size", "max_position_embeddings")}
        vision.update(projection_dim=self.projection_dim, model_type="clip_vision_model", attention_dropout=0.0,
                      initializer_range=0.02, initializer_factor=1.0)
        return {
            "architectures": ["CLIPModel"],
            "model_type": "clip",
            "projection_dim": self.projection_dim,
            "logit_scale_init_value": self.logit_scale_init_value,
            "initializer_factor": 1.0,
            "text_config": text,
            "vision_config": vision,
            "torch_dtype": "float32",
        }


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class CLIPAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg.hidden_size
        self.num_heads = cfg.num_attention_heads
        self.head_dim = d // self.num_heads
        self.scale = self.head_dim ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask=None):
        """x is (B,T,C); mask is additive, broadcastable to (B,H,T,T)."""
        b, t, c = x.shape
        # HF scales q right after the projection, before the matmul with k.
        q = (self.q_proj(x) * self.scale).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        scores = q @ k.transpose(-1, -2)
        if mask is not None:
            scores = scores + mask
        out = scores.softmax(dim=-1) @ v
        return self.out_proj(out.transpose(1, 2).reshape(b, t, c))


class CLIPMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc1 = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.fc2 = nn.Linear(cfg.intermediate_size, cfg.hidden_size)

    def forward(self, x):
        return self.fc2(quick_gelu(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    """Pre-LN block: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, cfg):
        super().__init__()
        self.self_attn = CLIPAttention(cfg)
        self.layer_norm1 = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.mlp = CLIPMLP(cfg)
        self.layer_norm2 = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, x, mask=None):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class CLIPEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.ModuleList(CLIPEncoderLayer(cfg) for _ in range(cfg.num_hidden_layers))

    def forward(self, x, mask=None):
        for layer in self.layers:
            x = layer(x, mask)
        return x


def causal_mask(t, dtype):
    """(1,1,T,T) additive mask, built from T with ops that trace to ONNX with a dynamic length."""
    idx = torch.arange(t)
    mask = torch.full((t, t), torch.finfo(dtype).min, dtype=dtype)
    mask = mask.masked_fill(idx[None, :] <= idx[:, None], 0.0)
    return mask[None, None]


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embedding = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.register_buffer("position_ids", torch.arange(cfg.max_position_embeddings)[None], persistent=False)

    def forward(self, input_ids=None, inputs_embeds=None):
        """Either ids or ready token embeddings (prompt tuning substitutes some) of shape (B,T,C)."""
        if inputs_embeds is None:
            inputs_embeds = self.token_embedding(input_ids)
        t = inputs_embeds.shape[1]
        return inputs_embeds + self.position_embedding(self.position_ids[:, :t])


class CLIPTextTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = CLIPTextEmbeddings(cfg)
        self.encoder = CLIPEncoder(cfg)
        self.final_layer_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, input_ids, inputs_embeds=None):
        """Returns (last_hidden_state (B,T,C), pooled (B,C)) pooled at the first end-of-text token."""
        x = self.embeddings(input_ids if inputs_embeds is None else None, inputs_embeds)
        x = self.encoder(x, causal_mask(x.shape[1], x.dtype))
        last = self.final_layer_norm(x)
        # End-of-text has the largest id, and argmax returns the first maximum: the first EOT.
        pooled = last[torch.arange(last.shape[0]), input_ids.argmax(dim=-1)]
        return last, pooled


class CLIPVisionEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.class_embedding = nn.Parameter(torch.randn(cfg.hidden_size))
        self.patch_embedding = nn.Conv2d(cfg.num_channels, cfg.hidden_size, cfg.patch_size, cfg.patch_size, bias=False)
        self.num_positions = (cfg.image_size // cfg.patch_size) ** 2 + 1
        self.position_embedding = nn.Embedding(self.num_positions, cfg.hidden_size)
        self.register_buffer("position_ids", torch.arange(self.num_positions)[None], persistent=False)

    def forward(self, pixel_values):
        """(B,3,H,W) -> (B,1+P,C): CLS then patches in row-major order, plus positions."""
        patches = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(patches.shape[0], 1, -1)
        return torch.cat([cls, patches], dim=1) + self.position_embedding(self.position_ids)


class CLIPVisionTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = CLIPVisionEmbeddings(cfg)
        self.pre_layrnorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)  # sic, HF's name
        self.encoder = CLIPEncoder(cfg)
        self.post_layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, pixel_values):
        """Returns (last_hidden_state (B,1+P,C) without post-LN, pooled = post_layernorm(CLS) (B,C))."""
        last = self.encoder(self.pre_layrnorm(self.embeddings(pixel_values)))
        return last, self.post_layernorm(last[:, 0])


class CLIPModel(nn.Module):
    def __init__(self, cfg: CLIPConfig):
        super().__init__()
        self.config = cfg
        self.text_model = CLIPTextTransformer(cfg.text)
        self.vision_model = CLIPVisionTransformer(cfg.vision)
        self.visual_projection = nn.Linear(cfg.vision.hidden_size, cfg.projection_dim, bias=False)
        self.text_projection = nn.Linear(cfg.text.hidden_size, cfg.projection_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(cfg.logit_scale_init_value))
        self.apply(self._init_weights)

    def _init_weights(self, module):
        """HF CLIPPreTrainedModel's initialisation (factor 1.0)."""
        if isinstance(module, CLIPTextEmbeddings):
            nn.init.normal_(module.token_embedding.weight, std=0.02)
            nn.init.normal_(module.position_embedding.weight, std=0.02)
        elif isinstance(module, CLIPVisionEmbeddings):
            d = module.class_embedding.shape[0]
            nn.init.normal_(module.class_embedding, std=d ** -0.5)
            nn.init.normal_(module.patch_embedding.weight, std=0.02)
            nn.init.normal_(module.position_embedding.weight, std=0.02)
        elif isinstance(module, CLIPAttention):
            d = module.q_proj.in_features
            in_std = d ** -0.5 * (2 * self.config.text.num_hidden_layers) ** -0.5
            for proj in (module.q_proj, module.k_proj, module.v_proj):
                nn.init.normal_(proj.weight, std=in_std)
            nn.init.normal_(module.out_proj.weight, std=d ** -0.5)
        elif isinstance(module, CLIPMLP):
            d = module.fc1.in_features
            nn.init.normal_(module.fc1.weight, std=(2 * d) ** -0.5)
            nn.init.normal_(module.fc2.weight, std=d ** -0.5 * (2 * self.config.text.num_hidden_layers) ** -0.5)
        elif isinstance(module, CLIPModel):
            nn.init.normal_(module.visual_projection.weight, std=module.config.vision.hidden_size ** -0.5)
            nn.init.normal_(module.text_projection.weight, std=module.config.text.hidden_size ** -0.5)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        if isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def get_text_features(self, input_ids):
        return self.text_projection(self.text_model(input_ids)[1])

    def get_image_features(self, pixel_values):
        return self.visual_projection(self.vision_model(pixel_values)[1])


def tiny_config(vocab_size):
    """The embedded model's fixed dimensions (the TypeScript engine depends on them)."""
    text = TowerConfig(hidden_size=128, intermediate_size=512, num_attention_heads=4, num_hidden_layers=4,
                       vocab_size=vocab_size, max_position_embeddings=32)
    vision = TowerConfig(hidden_size=128, intermediate_size=512, num_attention_heads=4, num_hidden_layers=4,
                         image_size=64, patch_size=16)
    return CLIPConfig(text=text, vision=vision, projection_dim=128)


def vitb32_config(num_hidden_layers):
    """ViT-B/32's dimensions with fewer layers: for testing the loader on the real shapes."""
    text = TowerConfig(hidden_size=512, intermediate_size=2048, num_attention_heads=8,
                       num_hidden_layers=num_hidden_layers, vocab_size=49408, max_position_embeddings=77)
    vision = TowerConfig(hidden_size=768, intermediate_size=3072, num_attention_heads=12,
                         num_hidden_layers=num_hidden_layers, image_size=224, patch_size=32)
    return CLIPConfig(text=text, vision=vision, projection_dim=512)

"""A byte-level BPE in OpenAI CLIP's form: trained on our captions, saved as a Hugging Face tokenizer.json.

Vocabulary layout copies CLIP's: 256 byte symbols, the same 256 with the "</w>" word-end suffix, then one
token per merge, then <|startoftext|> and <|endoftext|> last, so that endoftext is the largest id and
`input_ids.argmax(-1)` finds the first end-of-text (how HF's CLIPTextModel pools).
"""

import json
import unicodedata
from collections import Counter

import regex

START, END = "<|startoftext|>", "<|endoftext|>"
SUFFIX = "</w>"
# CLIP's pre-tokenization regex, as written in openai/clip-vit-base-patch32's tokenizer.json.
SPLIT_PATTERN = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
_split = regex.compile(SPLIT_PATTERN, regex.IGNORECASE)


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters, in CLIP's vocabulary order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHARS = bytes_to_unicode()


def normalize(text):
    """The tokenizer.json normalizer: NFC, runs of whitespace to one space, lower-case."""
    return regex.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).lower()


def pre_tokenize(text):
    """Words as tuples of byte characters, the last one carrying the end-of-word suffix."""
    words = []
    for piece in _split.findall(normalize(text)):
        chars = [BYTE_CHARS[b] for b in piece.encode("utf-8")]
        chars[-1] += SUFFIX
        words.append(tuple(chars))
    return words


def _merge_word(word, pair, joined):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(joined)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def train(texts, max_vocab):
    """Merges learnt greedily by pair frequency; ties broken by the pair's text so training is deterministic."""
    words = Counter(w for t in texts for w in pre_tokenize(t))
    base = list(BYTE_CHARS.values())
    n_merges = max_vocab - 2 * len(base) - 2
    merges = []
    while len(merges) < n_merges:
        pairs = Counter()
        for word, freq in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += freq
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        joined = best[0] + best[1]
        words = Counter({_merge_word(w, best, joined): f for w, f in words.items()})
    return Tokenizer(merges)


class Tokenizer:
    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        base = list(BYTE_CHARS.values())
        # Two merges may build the same string along different paths; it gets one id (dict keeps first).
        symbols = dict.fromkeys(base + [c + SUFFIX for c in base] + [a + b for a, b in self.merges] + [START, END])
        self.vocab = {s: i for i, s in enumerate(symbols)}
        self.start_id, self.end_id = self.vocab[START], self.vocab[END]

    def bpe(self, word):
        """Apply merges lowest rank first, as both OpenAI's and HF's BPE do."""
        while len(word) > 1:
            pairs = [(self.ranks.get(p, float("inf")), i) for i, p in enumerate(zip(word, word[1:]))]
            rank, _ = min(pairs)
            if rank == float("inf"):
                break
            pair = self.merges[rank]
            word = _merge_word(word, pair, pair[0] + pair[1])
        return word

    def encode(self, text, context_length=None):
        """[SOS] tokens [EOT], then padded with EOT to context_length (truncated keeping the final EOT)."""
        ids = [self.start_id] + [self.vocab[s] for w in pre_tokenize(text) for s in self.bpe(w)] + [self.end_id]
        if context_length is not None:
            ids = ids[:context_length - 1] + [self.end_id] if len(ids) > context_length else ids
            ids = ids + [self.end_id] * (context_length - len(ids))
        return ids

    @property
    def vocab_size(self):
        return len(self.vocab)

    def to_hf_json(self):
        """The tokenizer.json of openai/clip-vit-base-patch32, with our vocabulary and merges."""
        special = dict(single_word=False, lstrip=False, rstrip=False, normalized=True, special=True)
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.start_id, "content": START, **special},
                {"id": self.end_id, "content": END, **special},
            ],
            "normalizer": {
                "type": "Sequence",
                "normalizers": [
                    {"type": "NFC"},
                    {"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": " "},
                    {"type": "Lowercase"},
                ],
            },
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [
                    {"type": "Split", "pattern": {"Regex": SPLIT_PATTERN}, "behavior": "Removed", "invert": True},
                    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
                ],
            },
            "post_processor": {
                "type": "RobertaProcessing",
                "sep": [END, self.end_id],
                "cls": [START, self.start_id],
                "trim_offsets": False,
                "add_prefix_space": False,
            },
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": END,
                "continuing_subword_prefix": "",
                "end_of_word_suffix": SUFFIX,
                "fuse_unk": False,
                "byte_fallback": False,
                "vocab": self.vocab,
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }

    @classmethod
    def from_hf_json(cls, data):
        return cls([tuple(m.split(" ")) for m in data["model"]["merges"]])


def hf_tokenizer_config(context_length):
    """tokenizer_config.json and special_tokens_map.json, as CLIPTokenizer(Fast) writes them."""
    config = {
        "tokenizer_class": "CLIPTokenizer",
        "model_max_length": context_length,
        "bos_token": START,
        "eos_token": END,
        "pad_token": END,
        "unk_token": END,
        "do_lower_case": True,
        "errors": "replace",
        "add_prefix_space": False,
        "clean_up_tokenization_spaces": True,
    }
    special_map = {"bos_token": START, "eos_token": END, "pad_token": END, "unk_token": END}
    return config, special_map


def save(tokenizer, directory, context_length):
    config, special_map = hf_tokenizer_config(context_length)
    for name, obj in [("tokenizer.json", tokenizer.to_hf_json()), ("tokenizer_config.json", config),
                      ("special_tokens_map.json", special_map)]:
        (directory / name).write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")

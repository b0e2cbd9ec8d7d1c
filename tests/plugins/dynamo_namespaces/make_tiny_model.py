"""Build a tiny model folder offline for Dynamo's mocker: a word-level tokenizer and a llama config.

Run with the Dynamo venv's python (it has tokenizers and transformers): `python make_tiny_model.py DIR`.
The mocker loads no weights; it needs the tokenizer, a chat template and the config.
"""

import json
import sys
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers  # type: ignore[import-not-found]
from transformers import PreTrainedTokenizerFast  # type: ignore[import-not-found]

TEMPLATE = "{% for m in messages %}{{ m['role'] }} {{ m['content'] }} {% endfor %}assistant"


def main(out: Path) -> None:
    """Write tokenizer.json, tokenizer_config.json, chat_template.jinja, config.json, generation_config.json."""
    out.mkdir(parents=True, exist_ok=True)
    words = ["<unk>", "<s>", "</s>", "hello", "world", "user", "assistant"] + [f"w{i}" for i in range(150)]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )
    fast.chat_template = TEMPLATE
    fast.save_pretrained(out)
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": len(words),
        "max_position_embeddings": 4096,
        "hidden_size": 16,
        "intermediate_size": 32,
        "num_attention_heads": 2,
        "num_key_value_heads": 2,
        "num_hidden_layers": 1,
        "bos_token_id": 1,
        "eos_token_id": 2,
    }
    (out / "config.json").write_text(json.dumps(config))
    (out / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": 2}))
    settings = out / "tokenizer_config.json"
    document = json.loads(settings.read_text())
    document["chat_template"] = TEMPLATE  # transformers 5 keeps it in chat_template.jinja only
    settings.write_text(json.dumps(document))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

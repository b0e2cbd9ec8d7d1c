"""Built-in themes (YAML)."""

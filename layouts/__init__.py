"""Built-in layouts (YAML)."""

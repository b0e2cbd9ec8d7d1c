"""lightning_rollouts plugin."""

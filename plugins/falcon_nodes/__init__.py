"""falcon_nodes plugin."""

"""dynamo_namespaces plugin."""

"""declare: panels without Python, over commands, HTTP JSON and Prometheus endpoints named in the layout."""

"""The built-in plugins.

Each is also registered in the `deck.plugins` entry-point group (pyproject.toml, checked by
the tests); layouts that use only these load without scanning every installed package.
"""

BUILTIN = {
    "system": "deck.plugins.system.plugin:SystemPlugin",
    "mesh": "deck.plugins.mesh_demo.plugin:MeshPlugin",
    "dynamo": "deck.plugins.dynamo_namespaces.plugin:DynamoPlugin",
    "falcon": "deck.plugins.falcon_nodes.plugin:FalconPlugin",
    "lightning": "deck.plugins.lightning_rollouts.plugin:LightningPlugin",
    "declare": "deck.plugins.declare.plugin:DeclarePlugin",
}

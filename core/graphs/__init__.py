"""A project's config and the graphs it names.

``load_project`` parses and validates ``portico.toml`` or ``langgraph.json``; ``GraphRegistry`` imports the
graphs and hands out instances bound to a run's checkpointer and store; ``graph_json``, ``graph_schemas`` and
``subgraphs`` answer the assistants' introspection endpoints.
"""

from core.graphs.introspection import graph_json, graph_schemas, subgraphs
from core.graphs.project import CONFIG_FILES, ConfigError, GraphSpec, Project, load_project
from core.graphs.registry import Graph, GraphRegistry, import_object

__all__ = [
    "CONFIG_FILES",
    "ConfigError",
    "Graph",
    "GraphRegistry",
    "GraphSpec",
    "Project",
    "graph_json",
    "graph_schemas",
    "import_object",
    "load_project",
    "subgraphs",
]

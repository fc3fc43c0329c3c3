"""The MCP adapter: every assistant a tool, over Streamable HTTP at ``/mcp`` (both protocol eras)."""

from gateway.mcp.endpoint import Authenticate, McpGateway
from gateway.mcp.settings import McpOAuthSettings, McpSettings

__all__ = ["Authenticate", "McpGateway", "McpOAuthSettings", "McpSettings"]

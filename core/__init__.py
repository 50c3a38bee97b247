"""Domain of the helpdesk: requests, their lifecycle, permissions, neutral messages, ports."""

"""ml layer (see ARCHITECTURE.md)."""

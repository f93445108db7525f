"""workers layer (see ARCHITECTURE.md)."""

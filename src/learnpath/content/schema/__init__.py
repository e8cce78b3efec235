"""The published JSON Schema of content packs (data files only)."""

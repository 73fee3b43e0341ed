"""Pulumi ComponentResources: thin layers that register what the render functions decided."""

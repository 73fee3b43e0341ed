"""The names this project is known by outside Python: the Pulumi project and its stack-config namespace."""

PROJECT = "gpu-platform"
"""Pulumi project name, and the namespace of its stack config keys (`gpu-platform:platform`, secrets …)."""

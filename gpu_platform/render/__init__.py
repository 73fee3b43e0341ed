"""Pure render functions: spec → plain dicts (AWS args, Kubernetes objects, Helm values). No Pulumi resources."""

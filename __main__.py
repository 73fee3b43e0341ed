"""Entry point for `pulumi up` (see Pulumi.yaml). The program lives in gpu_platform.program so that
`python -m gpu_platform plan` and library users run exactly the same code."""

from gpu_platform.program import main

main()

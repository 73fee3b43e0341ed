"""gpu-platform's production checklist as a Pulumi policy pack (`pulumi preview --policy-pack policy-pack`).

One mandatory stack policy per rule of `gpu_platform.policy` (stack-level, because rules such as "a PDB for each
replicated workload" or "DCGM once GPU nodes exist" need the whole stack). Rules that only the offline check can
evaluate (secretness is invisible to policy packs) are left to `python -m gpu_platform check`.
"""

from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy

from gpu_platform.policy.pack import pack_rules, stack_validator

PolicyPack(
    name="gpu-platform-production",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        StackValidationPolicy(name=rule.id, description=rule.description, validate=stack_validator(rule))
        for rule in pack_rules()
    ],
)

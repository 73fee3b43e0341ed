"""What the platform costs before any model runs: the EKS control plane, NAT gateways, CPU instances, EBS.

us-east-1 list prices (other regions differ by a few percent), as of PLATFORM_PRICES_AS_OF. GPU instance prices live
with the GPU classes (catalog/gpus.py).
"""

from __future__ import annotations

from typing import Optional

PLATFORM_PRICES_AS_OF = "2026-11"

EKS_STANDARD_USD_HR = 0.10
EKS_EXTENDED_USD_HR = 0.60
"""Per cluster and hour: $0.10 in standard support, $0.60 once the Kubernetes version is in extended support
(aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing)."""

EKS_STANDARD_SUPPORT_ENDS: dict[str, str] = {"1.32": "2026-03", "1.33": "2026-07", "1.34": "2026-12"}
"""Month a minor leaves EKS standard support: 14 months after its EKS release (vantage.sh/blog/amazon-eks-extended-
support-cost-kubernetes; releases 1.32 2025-01, 1.33 2025-05, 1.34 2025-10 as recalled from the EKS version
calendar, unverified here). A cluster past it pays the extended rate unless its upgrade policy is STANDARD."""

NAT_GATEWAY_USD_HR = 0.045
"""Per NAT gateway and hour in us-east-1; the $0.045/GB processed on top depends on traffic and is not estimated
(basavytix.com/blog/aws-nat-gateway-pricing, cloudburn.io/blog/aws-nat-gateway-pricing, 2026)."""

EBS_GP3_USD_GB_MONTH = 0.08
"""gp3 storage per GB-month in us-east-1 (baseline IOPS and throughput included)."""

CPU_INSTANCE_USD_HR: dict[str, float] = {
    # On-demand Linux, us-east-1 (c3x.dev/blog/m5-vs-m6i-vs-m7i-cost-performance: m5/m6i.xlarge $0.192, m7i.xlarge
    # $0.2016, m7g.xlarge $0.1632; the other sizes of a family scale linearly with vCPUs).
    "m5.large": 0.096, "m5.xlarge": 0.192, "m5.2xlarge": 0.384,
    "m6i.large": 0.096, "m6i.xlarge": 0.192, "m6i.2xlarge": 0.384,
    "m7i.large": 0.1008, "m7i.xlarge": 0.2016, "m7i.2xlarge": 0.4032,
    "m7g.large": 0.0816, "m7g.xlarge": 0.1632, "m7g.2xlarge": 0.3264,
    # t3: $0.0416 per vCPU-pair hour for medium, doubling per size (AWS on-demand list, us-east-1).
    "t3.medium": 0.0416, "t3.large": 0.0832, "t3.xlarge": 0.1664,
}


def eks_control_plane_usd_hr(kubernetes_version: str, as_of: str = PLATFORM_PRICES_AS_OF) -> float:
    """The control plane's hourly price for a Kubernetes minor at the month ``as_of`` (YYYY-MM)."""
    ends = EKS_STANDARD_SUPPORT_ENDS.get(kubernetes_version)
    return EKS_EXTENDED_USD_HR if ends is not None and as_of >= ends else EKS_STANDARD_USD_HR


def cpu_instance_usd_hr(instance_type: str) -> Optional[float]:
    """On-demand price of a CPU instance type the catalog knows, else None (the cost is then not estimated)."""
    return CPU_INSTANCE_USD_HR.get(instance_type)

"""Karpenter's interruption handling: the SQS queue, who may write to it, and the EventBridge rules feeding it.

With the queue, Karpenter drains a node when AWS announces its end (spot reclaim, rebalance, scheduled health
event, capacity reservation end) instead of losing its pods with the instance.
"""

from __future__ import annotations

import json
from typing import Any


def queue_name(cluster: str) -> str:
    """SQS interruption queue: named after the cluster, as the getting-started guide does."""
    return cluster


QUEUE_RETENTION_SECONDS = 300
"""Interruption messages older than 5 minutes are useless (a spot warning gives 2)."""

INTERRUPTION_EVENTS: dict[str, tuple[str, str]] = {
    "health": ("aws.health", "AWS Health Event"),
    "spot": ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    "rebalance": ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
    "state-change": ("aws.ec2", "EC2 Instance State-change Notification"),
    "reservation": ("aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"),
}
"""EventBridge rules forwarding interruption signals to the queue: short key → (source, detail-type)."""


def interruption_queue_policy(queue_arn: str) -> dict[str, Any]:
    """Let EventBridge (and SQS) deliver to the queue; refuse any access without TLS."""
    return {
        "Version": "2012-10-17",
        "Id": "EC2InterruptionPolicy",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            {
                "Sid": "DenyHTTP",
                "Effect": "Deny",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Principal": "*",
            },
        ],
    }


def interruption_event_patterns() -> dict[str, str]:
    """Event pattern JSON per rule key (stable key order for clean diffs)."""
    return {
        key: json.dumps({"source": [source], "detail-type": [detail]}, sort_keys=True)
        for key, (source, detail) in INTERRUPTION_EVENTS.items()
    }

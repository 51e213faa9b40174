"""Parameter Store's higher GetParameter throughput: an account-wide setting, per region, that costs money.

Standard throughput is shared by every parameter of the account and region; many
gated functions refreshing their window together can be throttled by it (the gate
then keeps its last good document, see docs/guarantees.md). The higher limit is
billed for every Parameter Store API interaction while it is on, for the whole
account in that region, not only for this stack.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

HIGH_THROUGHPUT_SETTING = "/ssm/parameter-store/high-throughput-enabled"


def parameter_high_throughput(name: str, opts: pulumi.ResourceOptions | None = None) -> aws.ssm.ServiceSetting:
    """Turn the higher throughput on; deleting the resource (destroy) turns it back off for the account."""
    return aws.ssm.ServiceSetting(
        f"{name}-parameter-high-throughput",
        setting_id=HIGH_THROUGHPUT_SETTING,
        setting_value="true",
        opts=opts,
    )

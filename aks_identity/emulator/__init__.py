"""A local Azure Resource Manager for AKS identity work.

The real azure-mgmt clients talk to it over HTTPS with only ``base_url``,
``connection_verify`` and the credential changed::

    from aks_identity.emulator import Emulator

    with Emulator(clock="virtual", propagation_delay=300) as emu:
        client = ManagedServiceIdentityClient(emu.credential(), emu.subscription_id,
                                              base_url=emu.url, connection_verify=emu.ca_bundle)
"""

from aks_identity.emulator._az import AzSetup
from aks_identity.emulator._clock import RealClock, VirtualClock
from aks_identity.emulator._config import Delay
from aks_identity.emulator._emulator import Emulator, RetryOptions
from aks_identity.emulator._errors import ArmError
from aks_identity.emulator._faults import Fault
from aks_identity.emulator._log import RequestRecord
from aks_identity.emulator._tokens import EmulatorCredential, TokenFileCredential

__all__ = [
    "ArmError",
    "AzSetup",
    "Delay",
    "Emulator",
    "EmulatorCredential",
    "Fault",
    "RealClock",
    "RequestRecord",
    "RetryOptions",
    "TokenFileCredential",
    "VirtualClock",
]

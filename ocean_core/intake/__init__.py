"""The webhook intake process of ``ocean sail`` (``webhooks.port``; rule 8).

Webhooks come at their vendors' rate, whatever the resyncs are doing. Reading an HTTP request
costs more CPU than storing it, and in the process that runs the resyncs that CPU is theirs:
with ``webhooks.port`` set, the webhook route is also served on that port by a process of its
own, which reads each request within the API's limits and forwards it, as received, to sail
over a socket pair; sail verifies it (``verify_webhook``), stores it in the inbox and says
what to answer, exactly as on the API's port. One path decides, in one process: the
integrations, their config and the inbox stay sail's alone.

- ``_wire``: the frames on the socket pair;
- ``_front``: the intake's HTTP app (its side of the pair);
- ``_child``: the intake process's entry point (``python -m ocean_core.intake``);
- ``_bridge``: sail's side of the pair;
- ``_process``: ``Intake``, which binds the port, starts the process, and starts it again
  when it dies.
"""

from ocean_core.intake._process import Intake, IntakeOptions

__all__ = ["Intake", "IntakeOptions"]

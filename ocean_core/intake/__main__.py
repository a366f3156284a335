"""The intake process: ``python -m ocean_core.intake``, started by ``ocean sail`` (only)."""

from ocean_core.intake._child import main

main()

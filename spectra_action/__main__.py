from spectra_action.cli import entrypoint

raise SystemExit(entrypoint())

"""spectra-action: hold every pull request to a SPECTRA plan."""

__version__ = "0.1.0"

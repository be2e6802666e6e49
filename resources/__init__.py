"""Icons and style sheets, installed as ``healthvisitor.resources``."""

"""The Qt shell, installed as ``healthvisitor.ui``: widgets, item models, dialogs."""

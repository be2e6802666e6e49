"""Printed reports (reportlab), installed as ``healthvisitor.reports``."""

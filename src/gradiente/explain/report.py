"""placeholder"""
__all__ = ["report", "Report"]


class Report:
    pass


def report(model, loss):
    raise NotImplementedError

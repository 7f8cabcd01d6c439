"""The error of an export that cannot be done."""


class ExportError(ValueError):
    """A model, input size or option that cannot be exported to ONNX; the
    message names what and says what was expected."""

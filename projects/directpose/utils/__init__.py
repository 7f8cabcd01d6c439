from .fileio import atomic_open, write_json_atomic

__all__ = ['atomic_open', 'write_json_atomic']

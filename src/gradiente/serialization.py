"""Checkpoints: ``gradiente.save(obj, path)`` and ``gradiente.load(path)``, never pickle.

A checkpoint is a safetensors file. Its tensors are the tensors of ``obj``, named by their
path in it (a model's state dict keeps its keys, so ``safetensors.torch.load_file`` reads it
straight into a PyTorch model, and a file PyTorch wrote loads back as a dict of tensors).
Everything else - dicts with int keys, lists, tuples, numbers, strings, None, as in an
optimizer's or a scheduler's state dict - is a JSON document in the file's metadata, with
the dtype, shape and CRC-32 of every tensor and a CRC-32 of itself. Loading reads JSON and raw
arrays only, so an untrusted file cannot run code; a truncated or corrupted file raises
``RuntimeError``, never returns part of the data.

Writes to a path are atomic: the bytes go to a temporary file in the same directory, which is
flushed to disk and then renamed over the target, so a crash leaves the old file intact.
"""

import json
import math
import os
import tempfile
import zlib

import numpy as np

from .tensor import Tensor

__all__ = ["load", "save"]

_META_KEY = "gradiente"  # safetensors metadata: the JSON structure ...
_CRC_KEY = "gradiente.crc32"  # ... and its checksum
_VERSION = 1


def save(obj, f, pickle_module=None, pickle_protocol=None,
         _use_new_zipfile_serialization=True):
    """Write ``obj`` (tensors, arrays, numbers, strings, None, and dicts, lists and tuples of
    them) to the path or binary file ``f`` in the safetensors format."""
    if pickle_module is not None:
        raise ValueError("save: gradiente never pickles; pickle_module is not supported")
    arrays, names = {}, {}
    structure = _encode(obj, (), arrays, names)
    tensors = {name: [array.dtype.str, list(array.shape), _crc(array)]
               for name, array in arrays.items()}
    header = json.dumps({"version": _VERSION, "structure": structure, "tensors": tensors},
                        allow_nan=False)
    metadata = {"format": "pt", _META_KEY: header, _CRC_KEY: str(_crc(header.encode()))}
    data = _safetensors().save(arrays, metadata=metadata)
    if hasattr(f, "write"):
        f.write(data)
    else:
        _write_atomic(os.fspath(f), data)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Read what ``save`` wrote (or any safetensors file, as a dict of name -> Tensor)."""
    if hasattr(f, "read"):
        source, data = getattr(f, "name", "file object"), f.read()
    else:
        source = os.fspath(f)
        with open(source, "rb") as fh:
            data = fh.read()
    entries, metadata = _parse_header(data, source)
    try:
        arrays = _safetensors().load(data)
    except Exception as e:  # noqa: BLE001 - safetensors rejected it: report a corrupted file
        raise RuntimeError(f"load: {source} is not a valid safetensors checkpoint (corrupted "
                           f"or truncated): {e}") from None
    if _META_KEY not in metadata and _CRC_KEY not in metadata:  # a plain safetensors file
        return {name: _tensor(arrays[name], map_location) for name in entries}
    text = metadata.get(_META_KEY)
    if text is None or metadata.get(_CRC_KEY) != str(_crc(text.encode())):
        raise RuntimeError(f"load: {source} is corrupted: checksum mismatch for its gradiente "
                           f"header")
    try:
        header = json.loads(text)
        structure, expected = header["structure"], header["tensors"]
    except (ValueError, KeyError, TypeError) as e:
        raise RuntimeError(f"load: {source} has a corrupted gradiente header ({e})") from None
    if set(expected) != set(arrays):
        raise RuntimeError(f"load: {source} is corrupted: its header lists tensors "
                           f"{sorted(expected)} but the file holds {sorted(arrays)}")
    for name, array in arrays.items():
        if [array.dtype.str, list(array.shape), _crc(array)] != expected[name]:
            raise RuntimeError(f"load: {source} is corrupted: tensor '{name}' does not match "
                               f"its recorded dtype, shape and checksum")
    try:
        return _decode(structure, arrays, map_location, {})
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise RuntimeError(f"load: {source} has a corrupted gradiente header (bad structure: "
                           f"{e!r})") from None


# ----- encoding: Python objects <-> JSON plus named arrays ----------------------------------
_ALLOWED = ("tensors, NumPy arrays, numbers, strings, None, and dicts, lists and tuples of "
            "them")


def _encode(obj, path, arrays, names):
    if isinstance(obj, Tensor):
        out = {"$tensor": _name(obj, obj.array, path, arrays, names)}
        if obj.requires_grad:
            out["requires_grad"] = True
        return out
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"save: cannot store a NumPy array of dtype {obj.dtype} at "
                            f"{_where(path)}")
        return {"$ndarray": _name(obj, obj, path, arrays, names)}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"$float": repr(obj)}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, np.generic):
                key = key.item()
            if not (key is None or isinstance(key, (bool, int, float, str))):
                raise TypeError(f"save: dict keys must be strings, numbers, bools or None; "
                                f"got a {type(key).__name__} key at {_where(path)}")
            items.append([_encode(key, path, arrays, names),
                          _encode(value, path + (key,), arrays, names)])
        return {"$dict": items}
    if isinstance(obj, (list, tuple)):
        encoded = [_encode(v, path + (i,), arrays, names) for i, v in enumerate(obj)]
        return encoded if isinstance(obj, list) else {"$tuple": encoded}
    raise TypeError(f"save: cannot store an object of type {type(obj).__name__} at "
                    f"{_where(path)}; checkpoints hold {_ALLOWED}")


def _name(obj, array, path, arrays, names):
    """The array's name in the file: its path (``state.0.exp_avg``), once per object."""
    if id(obj) in names:
        return names[id(obj)][0]
    name = ".".join(str(p) for p in path) or "tensor"
    base, n = name, 1
    while name in arrays:
        name, n = f"{base}#{n}", n + 1
    arrays[name] = _contiguous(array)
    names[id(obj)] = (name, obj)  # keep obj alive so its id is not reused
    return name


def _where(path):
    return "the top level" if not path else "key path " + "/".join(repr(p) for p in path)


def _decode(node, arrays, map_location, made):
    """The object a JSON node stands for; ``made`` maps names to tensors already built, so
    a tensor stored once under several paths comes back as one object."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, map_location, made) for v in node]
    if not isinstance(node, dict) or len(node) > 2:
        raise ValueError(f"unexpected node {node!r}")
    if "$tensor" in node:
        name = node["$tensor"]
        if name not in made:
            made[name] = _tensor(arrays[name], map_location)
            if node.get("requires_grad"):
                made[name].requires_grad_(True)
        return made[name]
    if "$ndarray" in node:
        return made.setdefault(node["$ndarray"], arrays[node["$ndarray"]])
    if "$float" in node:
        return float(node["$float"])
    if "$tuple" in node:
        return tuple(_decode(v, arrays, map_location, made) for v in node["$tuple"])
    if "$dict" in node:
        return {_decode(k, arrays, map_location, made): _decode(v, arrays, map_location, made)
                for k, v in node["$dict"]}
    raise ValueError(f"unexpected node {node!r}")


def _tensor(array, map_location):
    t = Tensor._make(array)
    return t if map_location is None else t.to(map_location)


def _contiguous(array):
    """The array in C order (``np.ascontiguousarray`` would make 0-d arrays 1-d)."""
    return array if array.flags.c_contiguous else array.copy(order="C")


def _crc(data):
    if isinstance(data, np.ndarray):
        data = _contiguous(data).reshape(-1).view(np.uint8)
    return zlib.crc32(data)


# ----- the file -------------------------------------------------------------------------------
def _parse_header(data, source):
    """The safetensors header's tensor names (in order) and metadata, after checking that
    the file is complete."""
    if len(data) < 8:
        raise RuntimeError(f"load: {source} is truncated or not a safetensors checkpoint "
                           f"({len(data)} bytes, fewer than the 8-byte header length)")
    size = int.from_bytes(data[:8], "little")
    if size > len(data) - 8:
        raise RuntimeError(f"load: {source} is truncated or not a safetensors checkpoint "
                           f"(header of {size} bytes, but only {len(data) - 8} follow)")
    try:
        header = json.loads(data[8:8 + size])
        if not isinstance(header, dict):
            raise ValueError("the header is not a JSON object")
        metadata = header.pop("__metadata__", None) or {}
        end = max((entry["data_offsets"][1] for entry in header.values()), default=0)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise RuntimeError(f"load: {source} has a corrupted safetensors header ({e})") from None
    available = len(data) - 8 - size
    if end != available:
        raise RuntimeError(f"load: {source} is truncated or corrupted (its tensors need {end} "
                           f"bytes of data, the file has {available})")
    return list(header), metadata


def _write_atomic(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _file_mode(path):
    """The mode the file would get from open(): the old file's, else 0o666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("gradiente.save/load need the safetensors package: "
                          "pip install 'gradiente[apps]' (or pip install safetensors)") from None
    return safetensors.numpy
